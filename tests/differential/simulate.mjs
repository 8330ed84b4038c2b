// Runs the independent IAM simulator (npm @cloud-copilot/iam-simulate, the
// version pinned in package.json) over the cases written by the Rust
// differential test, in one process, and writes one verdict per case.
//
// Usage: node simulate.mjs CASES.json VERDICTS.json
//
// CASES.json is a list of {"id", "simulation"} where "simulation" is the
// simulator's own `Simulation` input. VERDICTS.json is a list of
// {"id", "result"} with result "Allowed", "ExplicitlyDenied" or
// "ImplicitlyDenied", or {"id", "error"} when the simulator rejected the
// input.
import { readFileSync, writeFileSync } from 'node:fs'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const [casesPath, verdictsPath] = process.argv.slice(2)
if (!casesPath || !verdictsPath) {
  console.error('usage: node simulate.mjs CASES.json VERDICTS.json')
  process.exit(2)
}

const cases = JSON.parse(readFileSync(casesPath, 'utf8'))
const verdicts = []
for (const { id, simulation } of cases) {
  try {
    const response = await runSimulation(simulation, { simulationMode: 'Strict' })
    if (response.resultType === 'error') {
      verdicts.push({ id, error: JSON.stringify(response.errors) })
    } else {
      verdicts.push({ id, result: response.overallResult })
    }
  } catch (error) {
    verdicts.push({ id, error: `threw: ${error?.message ?? error}` })
  }
}
writeFileSync(verdictsPath, JSON.stringify(verdicts))
