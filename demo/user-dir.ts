import { promises as fs } from "node:fs";
import path from "node:path";
import { DEMO_HA_ID, demoFlows, type FlowTuning } from "./flows";
import { credentialSecret, encryptCredentials, settingsSource } from "./node-red";

/**
 * Prepares Node-RED's user directory for the demo and returns the settings file. The flows are
 * written once, so a person's edits in the editor survive the next start; the Home Assistant
 * token is written on every start (it changes with the simulator, or with HA_TOKEN), and only
 * ever into the encrypted credentials file, never into flows.json.
 */
export async function prepareUserDir(
  options: { root: string; dir: string; port: number; credentialSecret?: string },
  haToken: string,
  tuning: FlowTuning = { simulated: true, daySeconds: 60 },
): Promise<string> {
  await fs.mkdir(options.dir, { recursive: true });
  const secret = await credentialSecret(options.dir, options.credentialSecret);
  const settingsFile = path.join(options.dir, "settings.js");
  await fs.writeFile(
    settingsFile,
    settingsSource({ root: options.root, port: options.port, credentialSecret: secret }),
  );

  const flowsFile = path.join(options.dir, "flows.json");
  const flowsExist = await fs.access(flowsFile).then(
    () => true,
    () => false,
  );
  if (!flowsExist) {
    const flows = await demoFlows(options.root, tuning);
    await fs.writeFile(flowsFile, `${JSON.stringify(flows, null, 2)}\n`);
  }
  const credentials = encryptCredentials(secret, { [DEMO_HA_ID]: { token: haToken } });
  await fs.writeFile(path.join(options.dir, "flows_cred.json"), `${JSON.stringify(credentials, null, 2)}\n`, {
    mode: 0o600,
  });
  return settingsFile;
}
