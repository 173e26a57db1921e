// Service worker: routes messages to src/wallet services (issue 4 fills this in).
export default defineBackground(() => {});
