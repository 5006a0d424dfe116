// node-red-node-test-helper ships no types: each test gives the shape it uses (see test/nodes/harness.ts).
declare module "node-red-node-test-helper";
