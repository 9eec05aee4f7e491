// Public face of the configuration module.
export { loadConfig, ConfigError, SETTING_NAMES } from './settings.ts';
export type { Config, StoreSettings, S3Settings, ClamdSettings, StagingSettings } from './settings.ts';
