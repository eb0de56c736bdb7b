export {
  startAdminServer,
  type AdminLogger,
  type AdminServer,
  type AdminServerOptions,
  type Readiness,
} from "./admin-server.ts";
