// The wallet's settings page: see src/ui/pages/OptionsPage.tsx.
import { mount } from '../../src/ui/mount.tsx';
import { OptionsPage } from '../../src/ui/pages/OptionsPage.tsx';

mount(OptionsPage, 'optionsTitle');
