// `pause` / `resume`: freeze and thaw every process of the container through the cgroup freezer (v1
// freezer.state, v2 cgroup.freeze). runc's rules (contract §2): pause from created or running, otherwise
// `container not running`; resume only from paused, otherwise `container not paused`. The status looks at
// the freezer first, so a container whose init died while frozen is still paused and can be resumed
// (containerd resumes a paused container after its init exits).
import type { ContainerRecord } from '../state/record';
import { HakoError } from '../util/errors';
import { cgroupManager, containerStatus } from './common';
import { withContainer } from './locked';

function freezer(rec: ContainerRecord) {
  const cg = cgroupManager(rec);
  if (!cg) throw new HakoError('container has no cgroup: cannot use the freezer');
  return cg;
}

export async function pause(root: string, id: string | undefined): Promise<void> {
  await withContainer(root, id, (rec) => {
    const status = containerStatus(root, rec);
    if (status !== 'created' && status !== 'running') throw new HakoError('container not running');
    freezer(rec).freeze();
  });
}

export async function resume(root: string, id: string | undefined): Promise<void> {
  await withContainer(root, id, (rec) => {
    if (containerStatus(root, rec) !== 'paused') throw new HakoError('container not paused');
    freezer(rec).thaw();
  });
}
