/**
 * Test tooling, kept out of the runtime entry (`node-red-contrib-pattern-quality/testing`): a
 * Home Assistant simulator that speaks its websocket protocol, synthetic labelled streams, and a
 * simulated household that approves or rejects patterns by a hidden taste, and simulated homes
 * with a past (registries, users, weeks of logbook) and the ground truth of their routines.
 */
export {
  type FireOptions,
  HomeAssistantSimulator,
  type RecordedServiceCall,
  SUBSCRIBE_ALLOWLIST,
  type SimulatedActor,
  type SimulatedContext,
  type SimulatedEvent,
  type SimulatedState,
  type SimulatedToken,
  type SimulatorOptions,
} from "./ha-simulator/simulator";
export type { CommandFault, FaultOptions } from "./ha-simulator/faults";
export type { SimulatedPerson } from "./ha-simulator/home";
export {
  type Confounder,
  type ConfounderKind,
  type GeneratedHome,
  generateHome,
  type HomeHistoryOptions,
  type PlantedRoutine,
} from "./simulation/home-history";
export type { Via } from "./simulation/home-logbook";
export {
  type HouseholdOptions,
  type HouseholdStream,
  householdStream,
  SimulatedHousehold,
  type TasteName,
} from "./simulation/household";
export { type AgrawalOptions, agrawalStream } from "./simulation/agrawal";
export { type HyperplaneOptions, hyperplaneStream } from "./simulation/hyperplane";
export { SeededRandom } from "./simulation/random";
export { type LabelledStream, type SeaOptions, seaStream } from "./simulation/sea";
