// The volume subsystem: named volumes of the `local` driver, and translation of the Docker API's mount forms.
//
// Interface (what the container side uses):
//   const volumes = new VolumeStore({ root, usersOf: (name) => idsOfContainersUsing(name) });
//   const specs = translateMounts({ binds: hc.Binds, mounts: hc.Mounts, tmpfs: hc.Tmpfs, volumes: cfg.Volumes });
//   await prepareBindSources(specs);                  // short-syntax binds: mkdir; long syntax: error if missing
//   for (const spec of specs.filter((s) => s.kind === 'volume')) {
//     const vol = spec.source === '' ? await volumes.create({}) : await volumes.create({ name: spec.source, labels: spec.labels });
//     const hostPath = await volumes.mount(vol.Name);  // tmpfs / bind volumes get mounted by the first user
//     // the image's content at the target, symlinks resolved inside the rootfs (runtime/root-path.ts):
//     await volumes.populateFromImage(vol.Name, await resolveInRoot(rootfs, spec.target), { noCopy: spec.noCopy });
//     const source = spec.subpath ? await volumes.resolveSubpath(vol.Name, spec.subpath) : hostPath;
//     // ... bind `source` at spec.target in the OCI spec; on container stop: await volumes.release(vol.Name)
//   }
//   await volumes.remove('data');   // Conflict "remove data: volume is in use - [<id>]" while a container uses it
//   await volumes.prune({ all: false, label: ['com.example=x'] });
//
// The container side wires it in container/storage.ts; the server serves it in server/routes/volumes.ts.
// Invariant: this module never imports another engine subsystem except store/; in-use knowledge arrives via usersOf.

export { VolumeStore } from './volume-store.js';
export type {
  CreateVolumeOptions,
  PruneOptions,
  VolumeFilters,
  VolumeEvent,
  VolumeRecord,
  VolumeStoreOptions,
} from './volume-store.js';
export { translateMounts, parseBind, parseApiMount, parseTmpfsEntry } from './mount-spec.js';
export type { ApiMount, MountInputs, MountKind, MountSpec, Propagation } from './mount-spec.js';
export { prepareBindSources } from './bind-sources.js';
export { ANONYMOUS_LABEL, generateVolumeName, isValidVolumeName, validateVolumeName } from './names.js';
export { parseLocalOptions } from './local-options.js';
export type { LocalMountOptions } from './local-options.js';
