// The REST API and the dashboard's files, served over a JobsView (local mode's JobRegistry, or a cluster JobManager's).

export { startWebServer, type WebServer, type WebServerOptions } from './server.ts';
export { HttpError } from './errors.ts';
