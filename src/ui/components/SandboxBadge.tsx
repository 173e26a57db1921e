import { t } from '../i18n.ts';

/** Marks anything that chains to a user-added (sandbox) root, wherever it is shown. */
export function SandboxBadge({ show = true }: { show?: boolean }) {
  if (!show) return null;
  return (
    <span class="badge badge-sandbox" title={t('sandboxExplained')}>
      {t('sandboxBadge')}
    </span>
  );
}
