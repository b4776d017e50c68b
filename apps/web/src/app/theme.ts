import type { ThemeConfig } from 'antd';

/**
 * The app's Ant Design theme: the party red, Chinese fonts, 15 px text. Shared by main.tsx and
 * the build (vite.config.ts), which turns it into the static stylesheet that the app uses
 * instead of generating Ant Design's styles in the browser (`zeroRuntime`, main.tsx).
 * `hashed: false`: the stylesheet's selectors are plain `.ant-btn`, as in antd's own antd.css,
 * so they do not depend on a hash computed in the browser.
 */
export const THEME = {
  hashed: false,
  token: {
    colorPrimary: '#c00000',
    colorLink: '#b0171f',
    borderRadius: 6,
    fontSize: 15,
    fontFamily:
      "-apple-system, BlinkMacSystemFont, 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Helvetica Neue', Arial, sans-serif",
  },
} as const satisfies ThemeConfig;
