// The card registration window: see src/ui/pages/RegisterPage.tsx.
import { mount } from '../../src/ui/mount.tsx';
import { RegisterPage } from '../../src/ui/pages/RegisterPage.tsx';

mount(RegisterPage, 'registerWindowTitle');
