// Demo credit records for `npm start`. The implementation lives beside the feature
// (api/src/credit/seed.ts, which also registers itself as a seed hook of the subjects'
// demo data); this re-export is the entry point scripts call directly.
export { seedCreditDemo, type CreditDemoSeed } from "../../api/src/credit/seed.ts";
