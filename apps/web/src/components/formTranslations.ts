/** form-js's own sentences in Chinese (its `translate` service is replaced by one reading these). */
export const FORM_JS_ZH: Record<string, string> = {
  'Add new': '新增',
  'All values selected': '已全部选择',
  'Click to remove sorting': '点击取消排序',
  'Click to sort by {value} ascending': '点击按{value}升序排列',
  'Click to sort by {value} descending': '点击按{value}降序排列',
  Collapse: '收起',
  'Date and time must both be entered.': '日期和时间都必须填写。',
  Decrement: '减少',
  'Document reference is not defined.': '未指定文件。',
  'Download {fileName}': '下载 {fileName}',
  'Expand all ({value})': '全部展开（{value}）',
  'Field is required.': '此项为必填项。',
  'Field must be a valid email.': '请填写有效的电子邮箱。',
  'Field must be a valid international phone number. (e.g. +4930664040900)':
    '请填写有效的电话号码（例如 +8613800000000）。',
  'Field must have maximum length of {value}.': '最多 {value} 个字符。',
  'Field must have maximum value of {value}.': '不能大于 {value}。',
  'Field must have minimum length of {value}.': '至少 {value} 个字符。',
  'Field must have minimum value of {value}.': '不能小于 {value}。',
  'Field must match pattern {value}.': '格式不正确。',
  Increment: '增加',
  'Max validation value is not a valid number.': '最大值设置有误。',
  'Min validation value is not a valid number.': '最小值设置有误。',
  'Next page': '下一页',
  'No content to show.': '暂无内容。',
  'No files selected': '未选择文件',
  'No results': '无匹配结果',
  'Nothing to show.': '暂无数据。',
  'Please select a valid value, the two nearest valid values are {previousValue} and {nextValue}.':
    '请选择有效的值，最接近的有效值为 {previousValue} 和 {nextValue}。',
  'Previous page': '上一页',
  'Remove tag': '移除',
  Search: '输入以搜索',
  'Skip to search': '跳到搜索',
  'Unable to download document': '无法下载文件',
  'Value is expected to be an integer.': '请填写整数。',
  'Value is expected to have at most 1 decimal digit.': '最多 1 位小数。',
  'Value is expected to have at most {value} decimal digits.': '最多 {value} 位小数。',
  'Value is not a number.': '请填写数字。',
  '{page} of {total}': '第 {page} 页，共 {total} 页',
  '{value} files selected': '已选择 {value} 个文件',
};

export function translateZh(template: string, replacements: Record<string, unknown> = {}): string {
  return (FORM_JS_ZH[template] ?? template).replace(/{([^}]+)}/g, (_, key: string) => {
    const value = replacements[key];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : `{${key}}`;
  });
}
