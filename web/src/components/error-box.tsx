import { ApiError } from '../api.js';

/** A coded API error as the user should read it: the code, the message naming the field. */
export function ErrorBox({ error }: { error: unknown }) {
  if (error === undefined) return null;
  const text = error instanceof ApiError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
  return (
    <div className="error" role="alert">
      {text}
    </div>
  );
}
