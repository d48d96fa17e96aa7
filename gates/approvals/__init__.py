"""Signed approvals: SSHSIG-verified waivers and sign-offs, checked against the policy's trust root."""
