import { useEffect, useRef } from 'react';

/**
 * A `<dialog>` shown modal while the component is mounted: focus moves into it, the page behind is inert, Escape fires
 * its `cancel` event; unmounting closes it. Attach the returned ref to the dialog element.
 */
export function useModalDialog() {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return dialog;
}
