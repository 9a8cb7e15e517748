// The CDK app (`npx cdk synth`, `npx cdk deploy --all`); see infra/README.md.
import { createTrellisApp } from './trellis-app.ts';

createTrellisApp();
