// The toolbar popup: see src/ui/pages/PopupPage.tsx.
import { mount } from '../../src/ui/mount.tsx';
import { PopupPage } from '../../src/ui/pages/PopupPage.tsx';

mount(PopupPage, 'popupTitle');
