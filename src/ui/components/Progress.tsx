/** Work under way, announced politely to screen readers. */
export function Progress({ text }: { text: string }) {
  return (
    <p class="progress" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      <span>{text}</span>
    </p>
  );
}
