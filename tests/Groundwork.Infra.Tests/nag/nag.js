// Applies the cdk-nag AwsSolutions rule pack to the templates synthesized by src/Groundwork.Infra.
// The .NET cdk-nag package is not available, so each synthesized template is loaded into a JS stack with
// CfnInclude (which keeps the cdk_nag suppression metadata written by the C# code), checked, and every finding
// is printed as JSON on stdout: node nag.js <cdk.out directory>
'use strict';
const fs = require('fs');
const path = require('path');
const { App, Aspects, LegacyStackSynthesizer, Stack } = require('aws-cdk-lib');
const { CfnInclude } = require('aws-cdk-lib/cloudformation-include');
const { AwsSolutionsChecks } = require('cdk-nag');

const outDir = process.argv[2];
if (!outDir || !fs.existsSync(outDir)) {
  console.error('usage: node nag.js <cdk.out directory>');
  process.exit(2);
}

const findings = [];
const record = (kind) => (data) => findings.push({
  kind,
  stack: Stack.of(data.resource).stackName,
  resource: data.resource.node.id,
  type: data.resource.cfnResourceType,
  rule: data.ruleId,
  level: data.ruleLevel,
  finding: data.findingId ?? null,
  reason: data.suppressionReason ?? data.errorSuppressionReason ?? null,
  error: data.errorMessage ?? null,
});
const collector = {
  onCompliance() {},
  onNotApplicable() {},
  onNonCompliance: record('non-compliant'),
  onSuppressed: record('suppressed'),
  onError: record('rule-error'),
  onSuppressedError: record('suppressed-rule-error'),
};

const scratch = fs.mkdtempSync(path.join(require('os').tmpdir(), 'groundwork-nag-'));
const app = new App({ outdir: scratch });
const templates = fs.readdirSync(outDir).filter((f) => f.endsWith('.template.json')).sort();
for (const file of templates) {
  // The legacy synthesizer adds no BootstrapVersion parameter (the included template already has one).
  const stack = new Stack(app, file.replace('.template.json', ''), { synthesizer: new LegacyStackSynthesizer() });
  new CfnInclude(stack, 'Template', { templateFile: path.join(outDir, file) });
}
Aspects.of(app).add(new AwsSolutionsChecks({ reports: false, additionalLoggers: [collector] }));
try {
  app.synth();
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

const count = (pred) => findings.filter(pred).length;
const result = {
  templates,
  unsuppressedErrors: count((f) => (f.kind === 'non-compliant' && f.level === 'Error') || f.kind === 'rule-error'),
  unsuppressedWarnings: count((f) => f.kind === 'non-compliant' && f.level === 'Warning'),
  suppressed: count((f) => f.kind === 'suppressed' || f.kind === 'suppressed-rule-error'),
  findings,
};
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
