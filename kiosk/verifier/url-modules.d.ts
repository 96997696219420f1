// Vite's `?url` and `?worker&url` imports (the URL of an emitted file), for the type checker.
declare module "*?url" {
  const url: string;
  export default url;
}
declare module "*?worker&url" {
  const url: string;
  export default url;
}
