export {
  startAdminServer,
  type AdminServer,
  type AdminServerOptions,
  type Readiness,
} from "./admin-server.ts";
