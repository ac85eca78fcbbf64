// Applies the cdk-nag 3 AwsSolutions rule pack to the templates synthesized by src/Groundwork.Infra.
// The .NET cdk-nag package is not available, so each synthesized template is loaded into a JS stack with CfnInclude
// and checked; every finding is printed as JSON on stdout: node nag.js <cdk.out directory>
//
// Suppressions: the C# code writes them next to each resource as template metadata (cdk_nag.rules_to_suppress, the
// v2 format that cdk-nag 3 still writes with writeSuppressionsToCloudFormation). cdk-nag 3 reads acknowledgements only
// from Validations.of(construct).acknowledge(), so this script turns each metadata entry into exactly that call
// ("Rule" or "Rule[finding]" per applies_to entry; v3 has no wholesale suppression of a multi-finding rule).
// The pack runs twice on the same templates: once without acknowledgements (every finding) and once with them (what
// stays unsuppressed, as cdk-nag 3 itself decides). An acknowledgement that matches no finding is reported as unused:
// a suppression whose finding no longer exists is not a true statement any more.
'use strict';
const fs = require('fs');
const path = require('path');
const { App, LegacyStackSynthesizer, Stack, Validations } = require('aws-cdk-lib');
const { CfnInclude } = require('aws-cdk-lib/cloudformation-include');
const { AwsSolutionsChecks } = require('cdk-nag');

const outDir = process.argv[2];
if (!outDir || !fs.existsSync(outDir)) {
  console.error('usage: node nag.js <cdk.out directory>');
  process.exit(2);
}
const templates = fs.readdirSync(outDir).filter((f) => f.endsWith('.template.json')).sort();

/** Loads every template into one app; returns the app and, per construct path, where it came from. */
function load(acknowledge) {
  const app = new App();
  const where = new Map();
  const acknowledgements = [];
  for (const file of templates) {
    const stackName = file.replace('.template.json', '');
    const templateFile = path.join(outDir, file);
    // The legacy synthesizer adds no BootstrapVersion parameter (the included template already has one).
    const stack = new Stack(app, stackName, { synthesizer: new LegacyStackSynthesizer() });
    const include = new CfnInclude(stack, 'Template', { templateFile });
    const resources = JSON.parse(fs.readFileSync(templateFile, 'utf8')).Resources ?? {};
    for (const [logicalId, resource] of Object.entries(resources)) {
      let construct;
      try { construct = include.getResource(logicalId); } catch { continue; }
      where.set(construct.node.path, { stack: stackName, resource: logicalId, type: resource.Type });
      for (const rule of resource.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
        const ids = rule.applies_to?.length ? rule.applies_to.map((f) => `${rule.id}[${typeof f === 'string' ? f : f.regex}]`) : [rule.id];
        for (const id of ids) {
          acknowledgements.push({ path: construct.node.path, id, reason: rule.reason });
          if (acknowledge) Validations.of(construct).acknowledge({ id, reason: rule.reason });
        }
      }
    }
  }
  return { app, where, acknowledgements };
}

/** The violations of one run, one entry per (resource, rule[finding]). */
function check(loaded) {
  const report = new AwsSolutionsChecks(loaded.app).validateScope(loaded.app);
  const out = [];
  for (const v of report.violations) {
    const m = /^([^[]+)(?:\[(.*)\])?$/s.exec(v.ruleName);
    for (const r of v.violatingResources) {
      const w = loaded.where.get(r.constructPath) ?? { stack: r.constructPath.split('/')[0], resource: r.constructPath, type: null };
      out.push({
        ...w, path: r.constructPath, id: v.ruleName, rule: m[1], finding: m[2] ?? null,
        level: v.severity === 'error' ? 'Error' : 'Warning',
        ruleError: v.description.startsWith('Rule threw an error'),
        description: v.description,
      });
    }
  }
  return out;
}

const all = check(load(false));
const withAcks = load(true);
const unsuppressedKeys = new Set(check(withAcks).map((f) => `${f.path}|${f.id}`));
const ackByKey = new Map(withAcks.acknowledgements.map((a) => [`${a.path}|${a.id}`, a]));

const findings = all.map((f) => {
  const key = `${f.path}|${f.id}`;
  const suppressed = !unsuppressedKeys.has(key);
  return {
    kind: suppressed ? (f.ruleError ? 'suppressed-rule-error' : 'suppressed') : (f.ruleError ? 'rule-error' : 'non-compliant'),
    stack: f.stack, resource: f.resource, type: f.type, rule: f.rule, level: f.level, finding: f.finding,
    reason: suppressed ? (ackByKey.get(key)?.reason ?? null) : null,
    error: f.ruleError ? f.description : null,
  };
});
// One C# suppression lands on every resource under its construct (a role and its default policy, an instance and its
// subnet group): it is unused when it matched on none of them, i.e. per (stack, rule[finding], reason).
const group = (stack, id, reason) => `${stack}|${id}|${reason}`;
const used = new Set(findings.filter((f) => f.kind.startsWith('suppressed'))
  .map((f) => group(f.stack, f.finding ? `${f.rule}[${f.finding}]` : f.rule, f.reason)));
const unused = [...new Map(withAcks.acknowledgements
  .map((a) => ({ stack: withAcks.where.get(a.path).stack, id: a.id, reason: a.reason }))
  .filter((a) => !used.has(group(a.stack, a.id, a.reason)))
  .map((a) => [group(a.stack, a.id, a.reason), a])).values()];

const count = (pred) => findings.filter(pred).length;
const result = {
  cdkNag: require('cdk-nag/package.json').version,
  awsCdkLib: require('aws-cdk-lib/package.json').version,
  templates,
  unsuppressedErrors: count((f) => (f.kind === 'non-compliant' && f.level === 'Error') || f.kind === 'rule-error'),
  unsuppressedWarnings: count((f) => f.kind === 'non-compliant' && f.level === 'Warning'),
  suppressed: count((f) => f.kind.startsWith('suppressed')),
  unusedSuppressions: unused,
  findings,
};
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
