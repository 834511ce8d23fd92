import type { CommandRegistrar } from '../program.js';
import { registerXdm } from './xdm.js';

// One line per command group. Each group is a module of its own under commands/.
export const COMMAND_GROUPS: readonly CommandRegistrar[] = [
  registerXdm,
];
