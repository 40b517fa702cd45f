/**
 * Optimizers that turn gradients into parameter updates, with PyTorch's ({@code torch.optim}) hyper-parameters,
 * defaults and update rules: {@link dev.backprop.optim.SGD}, {@link dev.backprop.optim.Adagrad},
 * {@link dev.backprop.optim.RMSprop}, {@link dev.backprop.optim.Adam} (weight decay as L2, added to the gradient)
 * and {@link dev.backprop.optim.AdamW} (decoupled weight decay); gradient clipping
 * ({@link dev.backprop.optim.Clip}) and weight penalties for the loss ({@link dev.backprop.optim.Penalty}).
 * Learning-rate schedules are in {@link dev.backprop.optim.schedule}.
 *
 * <p>The training step, in order: {@code opt.zeroGrad()}, forward, {@code loss.backward()}, optionally
 * {@code Clip.gradNorm(opt.parameters(), max)}, {@code opt.step()}, then {@code scheduler.step()}.
 */
package dev.backprop.optim;
