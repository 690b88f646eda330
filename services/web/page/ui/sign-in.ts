import { devSignIn, sessionFromToken, type Session } from '../session.ts';
import { byId } from './dom.ts';

/**
 * The sign-in panel. With dev sign-in (ENVIRONMENT=local) a user id is enough; otherwise a token
 * from the identity provider is pasted. Resolves once a session is made.
 */
export function askForSession(devSignInAvailable: boolean): Promise<Session> {
  byId('sign-in').hidden = false;
  byId('dev-sign-in').hidden = !devSignInAvailable;
  byId('token-sign-in').hidden = devSignInAvailable;
  const error = byId('sign-in-error');
  error.hidden = true;
  return new Promise((resolve) => {
    const done = (session: Session) => {
      byId('sign-in').hidden = true;
      resolve(session);
    };
    const fail = (message: string) => {
      error.textContent = message;
      error.hidden = false;
    };
    byId<HTMLFormElement>('dev-sign-in').onsubmit = async (event) => {
      event.preventDefault();
      const userId = byId<HTMLInputElement>('sign-in-user').value.trim();
      try {
        done(await devSignIn(userId));
      } catch (problem) {
        fail(problem instanceof Error ? problem.message : String(problem));
      }
    };
    byId<HTMLFormElement>('token-sign-in').onsubmit = (event) => {
      event.preventDefault();
      try {
        done(sessionFromToken(byId<HTMLTextAreaElement>('sign-in-token').value.trim()));
      } catch (problem) {
        fail(problem instanceof Error ? problem.message : String(problem));
      }
    };
  });
}
