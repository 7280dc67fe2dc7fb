// inspect IMAGE [--json]: the archive's images, as a table or as the stable JSON form (ops/inspect).

import type { CliCommand } from '../command';
import { formatBytes } from '../context';
import { imageDetails, inspect } from '../../engine/index';

export const command: CliCommand = {
  usage: 'inspect IMAGE [--json]',
  summary: 'Show tags, platforms, manifest/config digests and layers',
  help: 'IMAGE is an OCI layout (tar, tar.gz or folder) or a docker save archive.\n--json prints {format, images: [{tags, platform, manifest, config, layers}]}.',
  options: { json: { type: 'boolean' } },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const archive = await ctx.openImage(positionals[0]);
    const result = inspect(archive);
    if (values.json) {
      ctx.outJson(result);
      return 0;
    }
    ctx.out(`${result.format} (${archive.tree.kind}), ${result.images.length} image${result.images.length === 1 ? '' : 's'}`);
    archive.images.forEach((img, i) => {
      const r = result.images[i];
      const d = imageDetails(img);
      ctx.out('');
      ctx.out(`Image ${i + 1}: ${r.tags.length ? r.tags.join(', ') : '(untagged)'}  [${r.platform}]`);
      ctx.out(`  manifest  ${r.manifest.digest}  ${formatBytes(r.manifest.size)}  ${r.manifest.mediaType}${!img.manifestBlob ? '  (from manifest.json)' : ''}`);
      ctx.out(`  config    ${r.config.digest}  ${formatBytes(r.config.size)}`);
      if (d.created) ctx.out(`  created   ${d.created}${d.author ? `  by ${d.author}` : ''}`);
      if (d.entrypoint?.length) ctx.out(`  entrypoint ${JSON.stringify(d.entrypoint)}`);
      if (d.cmd?.length) ctx.out(`  cmd       ${JSON.stringify(d.cmd)}`);
      ctx.out(`  layers    ${r.layers.length}, ${formatBytes(d.layersSize)}`);
      d.layers.forEach((l) => {
        const mt = l.mediaType.replace(/^application\/vnd\.(oci\.image\.layer\.v1\.|docker\.image\.rootfs\.diff\.)/, '');
        ctx.out(`    ${String(l.index).padStart(3)}  ${l.digest}  ${formatBytes(l.size).padStart(9)}  ${mt}${l.present ? '' : '  MISSING'}`);
      });
    });
    for (const w of archive.warnings) ctx.err(`warning: ${w}`);
    return 0;
  },
};
