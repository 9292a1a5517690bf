// Image steps: pull each pinned image once on the host, load it into each
// cluster that runs it, skipping what is already there.
import { imageOnHost, nodeImages, normalizeImage, pullArgs } from '../../../tools/docker.js';
import { controlPlaneContainer, loadImageArgs } from '../../../tools/kind.js';
import { clusterName, type Region } from '../../../core/config.js';
import type { PinnedImage } from '../images.js';
import type { KindRun, Lane, Step } from '../step.js';
import { exec } from './common.js';

export function pullStep(image: PinnedImage): Step {
  return {
    id: `host/pull/${image.ref}`,
    lane: 'host',
    region: null,
    title: () => `pull ${image.ref} (${image.why})`,
    command: () => pullArgs(image.ref),
    mutates: true,
    check: async () => ((await imageOnHost(image.ref)) ? 'already on the host' : undefined),
  };
}

export function loadStep(region: Region, lane: Lane, image: PinnedImage): Step {
  const cluster = clusterName(region);
  const images = (run: KindRun) => {
    let p = run.nodeImages.get(region);
    if (!p) {
      p = nodeImages(controlPlaneContainer(cluster));
      run.nodeImages.set(region, p);
    }
    return p;
  };
  return {
    id: `${lane}/load/${image.ref}`,
    lane,
    region,
    title: () => `load ${image.ref} into ${cluster}`,
    command: () => loadImageArgs(image.ref, cluster),
    mutates: true,
    after: [`${region}/cluster`, `host/pull/${image.ref}`],
    check: async (run) => ((await images(run)).has(normalizeImage(image.ref)) ? 'already in the cluster' : undefined),
    exec: async (run) => {
      await exec(loadImageArgs(image.ref, cluster));
      (await images(run)).add(normalizeImage(image.ref));
    },
  };
}
