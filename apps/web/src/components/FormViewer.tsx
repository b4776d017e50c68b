import { Alert, Spin } from 'antd';
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { translateZh } from './formTranslations';

type FormJs = import('@bpmn-io/form-js-viewer').Form;
export type FormSchema = { components?: FormComponent[] } & Record<string, unknown>;
export interface FormComponent {
  id?: string;
  key?: string;
  type?: string;
  label?: string;
  values?: { value: unknown; label: string }[];
  components?: FormComponent[];
  [property: string]: unknown;
}

const FORM_CSS = `
.bf-form .fjs-container .fjs-form { padding: 0; font-family: inherit; font-size: 15px; }
.bf-form .fjs-container .fjs-form-field-label { font-size: 14px; }
.bf-form .fjs-container .fjs-powered-by { margin-top: 8px; }
`;

export interface FormViewerHandle {
  /** Validates in the browser; the values when valid, else null (the errors show at the fields). */
  submit(): Record<string, unknown> | null;
  /** Shows messages at the fields by their keys; answers the keys no field took. */
  showErrors(byKey: ReadonlyMap<string, readonly string[]>): string[];
  /** The values as they are now. */
  values(): Record<string, unknown>;
  /** Sets one value when the schema next changes (e.g. an uploaded photo, once it is offered). */
  setValue(key: string, value: unknown): void;
}

interface Props {
  readonly schema: FormSchema;
  readonly data: Record<string, unknown>;
  readonly disabled?: boolean;
  /** Called when a field changes, with the values now. */
  readonly onChange?: (values: Record<string, unknown>) => void;
}

/**
 * The schema as shown: selects become searchable (form-js's plain select reads 「Select」 in
 * English, a searchable one a Chinese placeholder, and a long list is easier to search).
 * Presentation only: the values and the api's validation are the same.
 */
function presented(schema: FormSchema): FormSchema {
  const copy = structuredClone(schema);
  for (const component of allComponents(copy)) {
    if (component.type === 'select' && component.searchable === undefined) {
      component.searchable = true;
    }
  }
  return copy;
}

/** Every component of a schema, depth first (groups and dynamic lists hold components). */
export function allComponents(schema: { components?: FormComponent[] }): FormComponent[] {
  const found: FormComponent[] = [];
  const walk = (components: FormComponent[] | undefined) => {
    for (const component of components ?? []) {
      found.push(component);
      walk(component.components);
    }
  };
  walk(schema.components);
  return found;
}

/**
 * A step's form rendered by form-js (the viewer; loaded with the first form shown), from the
 * same form JSON the api validates, in Chinese. The page submits through the handle.
 */
export const FormViewer = forwardRef<FormViewerHandle, Props>(function FormViewer(
  { schema, data, disabled = false, onChange },
  ref,
) {
  const container = useRef<HTMLDivElement>(null);
  const form = useRef<FormJs | null>(null);
  const latest = useRef<Record<string, unknown>>(data);
  const pending = useRef<Record<string, unknown>>({});
  const [state, setState] = useState<'loading' | 'ready' | 'failed'>('loading');
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  // Re-render the form only when the schema or the data change in content, not in identity
  // (a refetch answers equal objects): a re-import mid-typing would move the fields away
  const schemaKey = JSON.stringify(schema);
  const dataKey = JSON.stringify(data);
  const inputs = useRef({ schema, data });
  inputs.current = { schema, data };

  useEffect(() => {
    let cancelled = false;
    let created: FormJs | null = null;
    void (async () => {
      try {
        const [{ Form }] = await Promise.all([
          import('@bpmn-io/form-js-viewer'),
          import('@bpmn-io/form-js-viewer/dist/assets/form-js.css'),
          import('@bpmn-io/form-js-viewer/dist/assets/flatpickr/light.css'),
        ]);
        if (cancelled || !container.current) return;
        created = new Form({
          container: container.current,
          additionalModules: [{ translate: ['value', translateZh] }],
        });
        form.current = created;
        // Keep what was typed when the schema changes (e.g. new evidence offered)
        const values = { ...inputs.current.data, ...latest.current, ...pending.current };
        pending.current = {};
        latest.current = values;
        await created.importSchema(presented(inputs.current.schema), values);
        if (cancelled) return;
        created.on('changed', (event: { data: Record<string, unknown> }) => {
          // destroying the form clears it: that is no change of the person's
          if (cancelled) return;
          latest.current = event.data;
          onChangeRef.current?.(event.data);
        });
        setState('ready');
      } catch (error) {
        console.error(error);
        if (!cancelled) setState('failed');
      }
    })();
    return () => {
      cancelled = true;
      created?.destroy();
      form.current = null;
    };
  }, [schemaKey, dataKey]);

  useEffect(() => {
    form.current?.setProperty('disabled', disabled);
  }, [disabled, state]);

  useImperativeHandle(
    ref,
    () => ({
      submit() {
        if (!form.current) return null;
        const { data: values, errors } = form.current.submit();
        return Object.keys(errors).length === 0 ? values : null;
      },
      showErrors(byKey) {
        const errors: Record<string, string[]> = {};
        const rest: string[] = [];
        const components = allComponents(schema);
        for (const [key, messages] of byKey) {
          const component = components.find((c) => c.key === key && c.id);
          if (component?.id) errors[component.id] = [...messages];
          else rest.push(key);
        }
        form.current?._setState({ errors });
        if (Object.keys(errors).length > 0) {
          // the first refused field, where a person looks
          const first = container.current?.querySelector('.fjs-has-errors, .fjs-form-field-error');
          first?.scrollIntoView({ block: 'center', behavior: 'smooth' });
        }
        return rest;
      },
      values() {
        return { ...form.current?._getState().data };
      },
      setValue(key, value) {
        // taken at the next import: the field may not offer the value yet (its options come
        // with the schema), and form-js drops a value its field does not offer
        pending.current = { ...pending.current, [key]: value };
      },
    }),
    [schema],
  );

  return (
    <div className="bf-form">
      <style>{FORM_CSS}</style>
      {state === 'failed' && <Alert type="error" showIcon title="表单未能显示，请刷新后重试" />}
      <Spin spinning={state === 'loading'} description="正在加载表单…">
        <div ref={container} style={{ minHeight: state === 'loading' ? 120 : undefined }} />
      </Spin>
    </div>
  );
});
