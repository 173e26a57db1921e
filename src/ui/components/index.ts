/** Preact components shared by the popup, confirmation, registration and options pages. */
export { AmountView } from './AmountView.tsx';
export { Button } from './Button.tsx';
export { CardPicker } from './CardPicker.tsx';
export { CardView, cardLabel } from './CardView.tsx';
export { ErrorNotice } from './ErrorNotice.tsx';
export { Field } from './Field.tsx';
export { countryName, MerchantIdentity, placeText } from './MerchantIdentity.tsx';
export { Progress } from './Progress.tsx';
export { ReceiptDetail, receiptStatusText } from './ReceiptDetail.tsx';
export { SandboxBadge } from './SandboxBadge.tsx';
export { UnlockForm } from './UnlockForm.tsx';
