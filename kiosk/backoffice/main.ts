// The back office (后台): repair officers, credit agencies, registrars, administrators,
// supervisors and auditors, each signed in as themselves. Chinese by default (?lang=en, or the
// switch, remembered on this desk), desktop-first. The page asks the API who is signed in; a
// session that ends (idle timeout, signed out elsewhere, account disabled) brings the sign-in
// back with the reason. Screens by address: ./router.ts.
import { h } from "../lib/dom.ts";
import { startLang, t } from "../i18n/index.ts";
import { ApiError, get, SESSION_GONE, whenActive, whenSessionGone } from "./api.ts";
import { accessLogScreen } from "./access-log.ts";
import { adminScreen } from "./admin.ts";
import { agencyScreen } from "./agency.ts";
import { applicationScreen } from "./application.ts";
import { dashboardScreen } from "./dashboard.ts";
import { frame } from "./layout.ts";
import { meScreen } from "./me.ts";
import { queueScreen } from "./queue.ts";
import { lookupScreen, registrarScreen } from "./registrar.ts";
import { addRoutes, currentPath, go, home, match } from "./router.ts";
import { enrolScreen, signInScreen } from "./sign-in.ts";
import { current, signedIn, type Me } from "./state.ts";
import { subjectScreen } from "./subject.ts";
import { systemScreen } from "./system.ts";
import { errorText, notice } from "./ui.ts";

addRoutes([
  { path: "queue", screen: queueScreen, roles: ["repair_officer"], nav: "backoffice.nav.queue" },
  { path: "application/:id", screen: applicationScreen, roles: ["repair_officer", "supervisor", "auditor"] },
  { path: "agency", screen: agencyScreen, roles: ["credit_agency"], nav: "backoffice.nav.agency" },
  { path: "registrar", screen: registrarScreen, roles: ["registrar"], nav: "backoffice.nav.registrar" },
  { path: "lookup", screen: lookupScreen, roles: ["repair_officer", "credit_agency", "auditor"], nav: "backoffice.nav.lookup" },
  { path: "subject/:id", screen: subjectScreen, roles: ["registrar", "credit_agency", "repair_officer", "auditor"] },
  { path: "dashboard", screen: dashboardScreen, roles: ["supervisor", "admin", "auditor"], nav: "backoffice.nav.dashboard" },
  { path: "admin", screen: adminScreen, roles: ["admin"], nav: "backoffice.nav.admin" },
  { path: "system", screen: systemScreen, roles: ["admin"], nav: "backoffice.nav.system" },
  { path: "access-log", screen: accessLogScreen, roles: ["auditor", "admin"], nav: "backoffice.nav.accessLog" },
  { path: "me", screen: meScreen, roles: ["registrar", "credit_agency", "repair_officer", "auditor", "admin", "supervisor"] },
]);

let signedOutWhy: string | null = null;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

/** The server ends an idle session; the page says so at the same moment instead of at the next click. */
function restartIdleTimer(): void {
  clearTimeout(idleTimer);
  const me = current();
  if (!me) return;
  idleTimer = setTimeout(() => sessionGone("session_expired"), me.idleSeconds * 1000 + 1000);
}

function sessionGone(code: string): void {
  signedIn(null);
  clearTimeout(idleTimer);
  signedOutWhy = code === "account_disabled" ? "account_disabled" : code === "session_expired" ? "idle" : "ended";
  void render();
}

const onSignedIn = (me: Me) => {
  signedIn(me);
  signedOutWhy = null;
  restartIdleTimer();
  if (currentPath() === "enrol" || currentPath() === "" || !match(currentPath())) go(home());
  else void render();
};

async function render(): Promise<void> {
  const me = current();
  document.body.dataset.ready = "false";
  const { main } = frame({
    onLang: () => void render(),
    onSignedOut: (reason) => {
      signedIn(null);
      signedOutWhy = reason;
      go("");
    },
  });
  const path = currentPath();
  let content: HTMLElement;
  try {
    if (!me) {
      content = path === "enrol" ? await enrolScreen(onSignedIn) : await signInScreen(onSignedIn, signedOutWhy ?? new URLSearchParams(location.search).get("signin_error"));
      document.body.dataset.screen = path === "enrol" ? "enrol" : "sign-in";
    } else {
      // Each screen starts by asking who is signed in: a session that ended (an admin disabled
      // the account, sign-out on another device) shows at the next click, not at the next change.
      try {
        signedIn(await get<Me>("/v1/auth/session"));
      } catch (error) {
        if (error instanceof ApiError && SESSION_GONE.has(error.code)) return sessionGone(error.code);
        throw error;
      }
      const found = match(path);
      if (!found || !found.route.roles.some((r) => me.account.roles.includes(r))) {
        go(home());
        return;
      }
      document.body.dataset.screen = found.route.path.split("/")[0]!;
      content = await found.route.screen(found.params);
    }
  } catch (error) {
    if (error instanceof ApiError && current() === null) return; // the session ended while loading: already redrawn
    content = h("div", {}, notice(errorText(error), "error", { id: "screen-error" }));
  }
  main.replaceChildren(content);
  document.title = `${t("backoffice.brand")} · OneCode`;
  document.body.dataset.ready = "true";
}

whenSessionGone(sessionGone);
whenActive(restartIdleTimer);
window.addEventListener("hashchange", () => void render());

async function start(): Promise<void> {
  startLang({ remember: "onecode-backoffice-lang" });
  try {
    signedIn(await get<Me>("/v1/auth/session"));
    restartIdleTimer();
  } catch {
    signedIn(null);
  }
  if (current() && (currentPath() === "" || currentPath() === "enrol")) go(home());
  else await render();
}
void start();
