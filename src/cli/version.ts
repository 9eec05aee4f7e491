// The version printed by `dangan --version` and written into reports, read from package.json.
import pkg from '../../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
export const TOOL_NAME = 'dangan';
