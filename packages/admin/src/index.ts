export {
  startAdminServer,
  type AdminServer,
  type AdminServerOptions,
  type BackupOutcome,
  type Readiness,
} from "./admin-server.ts";
