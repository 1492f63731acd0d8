/**
 * Quiet, honest GPU probing on Linux.
 *
 * Two native messages used to reach users on headless machines:
 * - `error: XDG_RUNTIME_DIR is invalid or not set in the environment.` comes from Mesa's Vulkan
 *   device-select layer (`VK_LAYER_MESA_device_select`, an implicit layer loaded into every Vulkan
 *   instance), which tries to connect to a Wayland display to order the GPUs. Without a session
 *   there is no display and nothing to order, so {@link quietVulkanLoader} disables the layer
 *   (`NODEVICE_SELECT=1`, the layer's own off switch) before the first Vulkan instance is made.
 * - `Warning: Vulkan shaderUniform*ArrayDynamicIndexing required` comes from Dawn (onnxruntime's
 *   WebGPU provider) rejecting Mesa's CPU driver lavapipe. {@link hasHardwareGpu} asks Deno's
 *   WebGPU (wgpu) first, so ONNX inference only starts Dawn when a hardware adapter exists.
 * @module
 */

/**
 * Disables Mesa's device-select layer when there is no desktop session (no `XDG_RUNTIME_DIR`) and
 * the user did not ask for it (`MESA_VK_DEVICE_SELECT`, `NODEVICE_SELECT`). Idempotent; call
 * before the first WebGPU or Vulkan use.
 */
export function quietVulkanLoader(): void {
  try {
    const env = Deno.env;
    if (env.get("XDG_RUNTIME_DIR") || env.get("MESA_VK_DEVICE_SELECT")) return;
    if (env.get("NODEVICE_SELECT") !== undefined) return;
    env.set("NODEVICE_SELECT", "1");
  } catch {
    // Without --allow-env the layer stays on: the message is noise, not an error.
  }
}

let hardware: Promise<boolean> | undefined;

/**
 * Whether Deno's WebGPU sees a hardware adapter (a software fallback such as lavapipe does not
 * count). Cached for the process.
 */
export function hasHardwareGpu(): Promise<boolean> {
  return hardware ??= (async () => {
    quietVulkanLoader();
    // Typed structurally: inside a worker `navigator` is a WorkerNavigator.
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (!gpu) return false;
    try {
      const adapter = await gpu.requestAdapter();
      return adapter !== null && !adapter.info.isFallbackAdapter;
    } catch {
      return false;
    }
  })();
}
