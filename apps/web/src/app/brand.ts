/** The product's name as people read it. */
export const APP_TITLE = '基层党建工作平台';
