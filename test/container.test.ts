import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerResolver, containerFromCgroup } from '../src/process-table/container.js';

const ID = '3f4b2c1d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c';
const ID2 = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const POD = 'pod8d6f2c1a-4b3e-4c2d-9e1f-0a1b2c3d4e5f';
const POD_SYSTEMD = 'pod8d6f2c1a_4b3e_4c2d_9e1f_0a1b2c3d4e5f';

const CASES: Array<[string, string, string | null, string | null]> = [
  ['docker, systemd driver', `/system.slice/docker-${ID}.scope`, ID, 'docker'],
  ['docker, cgroupfs driver', `/docker/${ID}`, ID, 'docker'],
  ['docker in docker: the inner container', `/docker/${ID2}/docker/${ID}`, ID, 'docker'],
  ['docker, rootless (user systemd)', `/user.slice/user-1000.slice/user@1000.service/docker-${ID}.scope`, ID, 'docker'],
  ['containerd CRI, systemd driver, burstable', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-${POD_SYSTEMD}.slice/cri-containerd-${ID}.scope`, ID, 'containerd'],
  ['containerd CRI, systemd driver, guaranteed', `/kubepods.slice/kubepods-${POD_SYSTEMD}.slice/cri-containerd-${ID}.scope`, ID, 'containerd'],
  ['kubelet cgroupfs driver, burstable (runtime not named)', `/kubepods/burstable/${POD}/${ID}`, ID, null],
  ['kubelet cgroupfs driver, besteffort', `/kubepods/besteffort/${POD}/${ID}`, ID, null],
  ['kubelet cgroupfs driver, guaranteed', `/kubepods/${POD}/${ID}`, ID, null],
  ['cri-o, systemd driver', `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-${POD_SYSTEMD}.slice/crio-${ID}.scope`, ID, 'cri-o'],
  ['cri-o, cgroupfs driver', `/kubepods/burstable/${POD}/crio-${ID}`, ID, 'cri-o'],
  ['docker under kubelet (dockershim), systemd driver', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-${POD_SYSTEMD}.slice/docker-${ID}.scope`, ID, 'docker'],
  ['podman, root', `/machine.slice/libpod-${ID}.scope`, ID, 'podman'],
  ['podman, root, split cgroup of systemd in the container', `/machine.slice/libpod-${ID}.scope/container`, ID, 'podman'],
  ['podman, rootless', `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`, ID, 'podman'],
  ['podman, cgroupfs driver', `/libpod_parent/libpod-${ID}`, ID, 'podman'],
  ['nerdctl (containerd)', `/system.slice/nerdctl-${ID}.scope`, ID, 'containerd'],
  ['podman conmon is not a container process', `/machine.slice/libpod-conmon-${ID}.scope`, null, null],
  ['rootless podman conmon', `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-conmon-${ID}.scope`, null, null],
  ['cri-o conmon', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-${POD_SYSTEMD}.slice/crio-conmon-${ID}.scope`, null, null],
  ['a kubelet pod slice alone (pause-less pod cgroup)', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-${POD_SYSTEMD}.slice`, null, null],
  ['host service', '/system.slice/ssh.service', null, null],
  ['user session', '/user.slice/user-1000.slice/session-3.scope', null, null],
  ['docker daemon itself', '/system.slice/docker.service', null, null],
  ['root cgroup', '/', null, null],
  ['not read', '', null, null],
  ['63 hex digits are not an id', `/docker/${ID.slice(1)}`, null, null],
  ['upper-case hex is not a runtime id', `/docker/${ID.toUpperCase()}`, null, null],
  ['id with a suffix', `/system.slice/docker-${ID}.scope.bak`, null, null],
];

for (const [name, path, id, runtime] of CASES) {
  test(`container id: ${name}`, () => {
    const info = containerFromCgroup(path);
    assert.deepEqual(info === null ? [null, null] : [info.id, info.runtime], [id, runtime]);
  });
}

test('ContainerResolver memoizes and stays bounded', () => {
  const r = new ContainerResolver(2);
  const a = `/docker/${ID}`;
  assert.equal(r.resolve(a), r.resolve(a)); // same object: memo hit
  assert.deepEqual(r.resolve(`/docker/${ID2}`), { id: ID2, runtime: 'docker' });
  assert.equal(r.resolve(`/system.slice/libpod-conmon-${ID}.scope`), null);
  assert.deepEqual(r.resolve(a), { id: ID, runtime: 'docker' }); // evicted and recomputed, same answer
  assert.equal(r.resolve('/'), null);
});
