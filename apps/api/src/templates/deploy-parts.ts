import { HttpStatus } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type FieldProblem, HttpProblem } from '../common/http-problem.js';
import { cleanFileName, readMultipart } from '../common/multipart.js';
import { badString, jsonProblem } from '../platform/input-guard.js';

/** Most `.form` parts of one multipart deployment. */
export const DEPLOY_MAX_FORMS = 100;
/** Largest `.bpmn` part, and most bytes of all parts together (as an XML body: 5 MB). */
export const DEPLOY_MAX_BYTES = 5 * 1024 * 1024;

/** Form ids: what `zeebe:formDefinition formId` may name (and a `.form` file is called). */
export const FORM_ID = /^[\w.:-]{1,200}$/;

/** A multipart deployment, read: the XML, the forms by id, the BPMN file's name. */
export interface DeployParts {
  readonly bpmn: string;
  readonly forms: Record<string, unknown>;
  readonly fileName: string;
}

/**
 * A template with its forms as one `multipart/form-data` upload: one `.bpmn` file part and any
 * number (at most DEPLOY_MAX_FORMS) of `.form` file parts, whose file names (without `.form`)
 * are the form ids, as the JSON bundle's keys are. A form that is not JSON is given as its text,
 * which the deployment refuses (422 TEMPLATE_INVALID naming the form) when the template names
 * it, as `cli deploy DIR` does. Each file is UTF-8 text (a BOM is dropped). Bounds: the `.bpmn`
 * and all parts together at most DEPLOY_MAX_BYTES (413 MULTIPART_FILE_TOO_LARGE), each form at
 * most `maxFormBytes` (413 naming it), too many files 400 MULTIPART_TOO_MANY_FILES. Anything
 * else (no `.bpmn`, two, a part of another name, a repeated form id, a text field, a form JSON
 * nested deeper than `maxDepth`): 400 DEPLOY_BODY_INVALID with one detail per part.
 */
export async function readDeployParts(
  request: FastifyRequest,
  maxFormBytes: number,
  maxDepth: number,
): Promise<DeployParts> {
  const body = await readMultipart(
    request,
    {
      maxFiles: 1 + DEPLOY_MAX_FORMS,
      maxFileBytes: DEPLOY_MAX_BYTES,
      maxTotalBytes: DEPLOY_MAX_BYTES,
      maxFields: 4,
      maxFieldBytes: 1024,
    },
    (limit) =>
      new HttpProblem(
        HttpStatus.PAYLOAD_TOO_LARGE,
        `模板和表单文件合计不得超过 ${limit} 字节`,
        { maxBytes: limit },
        'MULTIPART_FILE_TOO_LARGE',
      ),
  );
  const problems: FieldProblem[] = [];
  for (const field of Object.keys(body.fields)) {
    problems.push({
      field: field.slice(0, 60),
      message: '只接受文件：一个 .bpmn 文件和它的 .form 表单文件',
    });
  }
  let bpmn: { text: string; fileName: string } | null = null;
  const forms: Record<string, unknown> = {};
  for (const file of body.files) {
    const name = cleanFileName(file.fileName, '');
    const label = name === '' ? file.fieldName.slice(0, 60) : name;
    const text = utf8(file.content);
    if (text === null) {
      problems.push({ field: label, message: '不是 UTF-8 文本' });
      continue;
    }
    const bad = badString(text);
    if (bad !== null) {
      problems.push({ field: label, message: bad });
      continue;
    }
    if (/\.bpmn$/i.test(name)) {
      if (bpmn !== null) {
        problems.push({ field: label, message: '一次只能部署一个 .bpmn 文件' });
      } else if (text.trim() === '') {
        problems.push({ field: label, message: '文件为空：须为 BPMN 2.0 XML' });
      } else {
        bpmn = { text, fileName: name };
      }
      continue;
    }
    if (!/\.form$/i.test(name)) {
      problems.push({ field: label, message: '文件名须以 .bpmn 或 .form 结尾' });
      continue;
    }
    const formId = name.slice(0, -'.form'.length);
    if (!FORM_ID.test(formId)) {
      problems.push({
        field: label,
        message: '表单 id（文件名去掉 .form）只能含字母、数字、.、:、- 和 _，最多 200 个字符',
      });
    } else if (Object.hasOwn(forms, formId)) {
      problems.push({ field: label, message: `表单 ${formId} 重复` });
    } else if (file.content.length > maxFormBytes) {
      throw new HttpProblem(
        HttpStatus.PAYLOAD_TOO_LARGE,
        `表单 ${formId} 超过 FORM_MAX_BYTES（${maxFormBytes} 字节）`,
        [{ field: label, message: `最多 ${maxFormBytes} 字节` }],
        'MULTIPART_FILE_TOO_LARGE',
      );
    } else {
      const form = parseForm(text);
      const deep = jsonProblem(form, maxDepth, `forms.${formId}`);
      if (deep) problems.push(deep);
      else forms[formId] = form;
    }
  }
  if (bpmn === null && body.files.length === 0) {
    problems.push({ field: 'file', message: '缺少文件：须上传一个 .bpmn 文件' });
  } else if (bpmn === null) {
    problems.push({ field: 'file', message: '缺少 .bpmn 文件' });
  }
  if (problems.length > 0 || bpmn === null) {
    throw new HttpProblem(
      HttpStatus.BAD_REQUEST,
      '部署请求无效：须为一个 .bpmn 文件加上它的 .form 表单文件',
      problems,
      'DEPLOY_BODY_INVALID',
    );
  }
  return { bpmn: bpmn.text, forms, fileName: bpmn.fileName };
}

/** The file's text when it is UTF-8 (without a BOM), else null. */
function utf8(content: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(content);
  } catch {
    return null;
  }
}

/** The form's JSON, or its text when it is not JSON (refused by the deployment if named). */
function parseForm(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
