/**
 * The end of a dialog: what went wrong (announced), then Cancel and the dialog's one action.
 * The action submits the dialog's form unless `onAction` is given.
 */
export function DialogFooter(props: {
  error: string | null;
  busy: boolean;
  /** The action's label, and what it says while it runs ("Forwarding…"). */
  action: string;
  busyAction: string;
  danger?: boolean;
  onAction?(): void;
  onCancel(): void;
}) {
  return (
    <>
      {props.error && (
        <p className="error" role="alert">
          {props.error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button
          type={props.onAction ? "button" : "submit"}
          className={props.danger ? "danger" : "primary"}
          onClick={props.onAction}
          disabled={props.busy}
        >
          {props.busy ? props.busyAction : props.action}
        </button>
      </div>
    </>
  );
}
