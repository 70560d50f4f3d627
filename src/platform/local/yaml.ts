/** Emits YAML for nested maps of scalars and scalar lists: all a Milvus config needs. */
export type YamlValue = string | number | boolean | readonly (string | number)[] | { [key: string]: YamlValue };

export function toYaml(value: { [key: string]: YamlValue }, indent = 0): string {
  const pad = ' '.repeat(indent);
  return Object.entries(value)
    .map(([key, v]) => {
      if (Array.isArray(v)) return `${pad}${key}:\n${v.map((item) => `${pad}  - ${scalar(item)}`).join('\n')}`;
      if (typeof v === 'object') return `${pad}${key}:\n${toYaml(v as { [key: string]: YamlValue }, indent + 2)}`;
      return `${pad}${key}: ${scalar(v as string | number | boolean)}`;
    })
    .join('\n');
}

function scalar(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  return /^[A-Za-z0-9_./:@-]+$/.test(v) && !/^(true|false|null|yes|no|~)$/i.test(v) && !/^[\d.]+$/.test(v) ? v : JSON.stringify(v);
}
