"""Signed approvals: SSHSIG-verified waivers and sign-offs, checked against the policy's trust root."""

# Where statements live, repo-relative. Here (not in statements.py) so the runner can see that a
# repository has no waivers without importing the verifier.
WAIVERS_DIR = ".release-gates/approvals"
SIGNOFFS_DIR = ".release-gates/signoffs"
