import type { DeviceEntry, EntityEntry, HomeRegistry } from "./home-data";

/**
 * Looks up what the registries say of an entity: its name, device, area and device class. An
 * entity's area is its own, else its device's (as Home Assistant resolves it).
 */
export class HomeIndex {
  private readonly entities = new Map<string, EntityEntry>();
  private readonly devices = new Map<string, DeviceEntry>();
  private readonly areaNames = new Map<string, string>();

  constructor(private readonly home: HomeRegistry) {
    for (const entity of home.entities) this.entities.set(entity.entity_id, entity);
    for (const device of home.devices) this.devices.set(device.id, device);
    for (const area of home.areas) this.areaNames.set(area.area_id, area.name);
  }

  /** True when the entity still exists as far as the home tells (unknown when it told nothing). */
  exists(entityId: string): boolean {
    const known = Object.keys(this.home.names).length > 0 || this.entities.size > 0;
    return !known || entityId in this.home.names || this.entities.has(entityId);
  }

  /** The name people see: the friendly name, the registry's name, the device's, or the object id in words. */
  name(entityId: string): string {
    const friendly = this.home.names[entityId];
    if (typeof friendly === "string" && friendly.trim() !== "") return friendly.trim();
    const entity = this.entities.get(entityId);
    const own = entity?.name ?? entity?.original_name;
    if (typeof own === "string" && own.trim() !== "") return own.trim();
    const device = this.deviceOf(entityId);
    const deviceName = device?.name_by_user ?? device?.name;
    if (typeof deviceName === "string" && deviceName.trim() !== "") return deviceName.trim();
    const objectId = entityId.slice(entityId.indexOf(".") + 1).replace(/_/g, " ");
    return objectId.charAt(0).toUpperCase() + objectId.slice(1);
  }

  /** The device id, or undefined for an entity without a device (a helper, a template). */
  deviceId(entityId: string): string | undefined {
    return this.entities.get(entityId)?.device_id ?? undefined;
  }

  /** The area id: the entity's own, else its device's. */
  areaId(entityId: string): string | undefined {
    const entity = this.entities.get(entityId);
    return entity?.area_id ?? this.deviceOf(entityId)?.area_id ?? undefined;
  }

  /** The device class Home Assistant reports (door, motion, …), if any. */
  deviceClass(entityId: string): string | undefined {
    return this.home.deviceClasses?.[entityId];
  }

  private deviceOf(entityId: string): DeviceEntry | undefined {
    const deviceId = this.entities.get(entityId)?.device_id;
    return deviceId ? this.devices.get(deviceId) : undefined;
  }
}
