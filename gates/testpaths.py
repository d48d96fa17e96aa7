"""Where a repository keeps its tests: one list for every gate that treats test code differently.

pii downgrades only published test card numbers there, sast does not report bandit's `assert`
check (B101) there. Test directories and test files of the common languages and frameworks
(pytest, go test, RSpec, Jest/Vitest, JUnit, xUnit, Mocha); each gate's policy can replace it.
"""

from __future__ import annotations

TEST_PATHS: tuple[str, ...] = (
    "**/test/**",
    "**/tests/**",
    "**/spec/**",
    "**/specs/**",
    "**/__tests__/**",
    "**/__mocks__/**",
    "**/testdata/**",
    "**/test_data/**",
    "**/fixtures/**",
    "**/__fixtures__/**",
    "**/src/test/**",
    "test_*.py",
    "*_test.py",
    "*_tests.py",
    "conftest.py",
    "*_test.go",
    "*_spec.rb",
    "*_test.rb",
    "*.test.ts",
    "*.test.tsx",
    "*.test.js",
    "*.test.jsx",
    "*.test.mjs",
    "*.spec.ts",
    "*.spec.tsx",
    "*.spec.js",
    "*.spec.jsx",
    "*Test.java",
    "*Tests.java",
    "*Test.kt",
    "*Tests.cs",
    "*Test.php",
)
