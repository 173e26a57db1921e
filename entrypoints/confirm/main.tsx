// The confirmation window (windows.create), one per payment request: src/ui/pages/ConfirmPage.tsx.

import { mount } from '../../src/ui/mount.tsx';
import { ConfirmPage } from '../../src/ui/pages/ConfirmPage.tsx';

mount(ConfirmPage, 'confirmWindowTitle');
