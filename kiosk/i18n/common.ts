// Words every front end shares.
export const zh = {
  /** The one language switch is labelled with the language it switches to. */
  "common.langSwitch": "English",
} as const;

export const en: Record<keyof typeof zh, string> = {
  "common.langSwitch": "中文",
};
