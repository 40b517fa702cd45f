/**
 * Learning-rate schedules with PyTorch's ({@code torch.optim.lr_scheduler}) values: {@link
 * dev.backprop.optim.schedule.StepLR}, {@link dev.backprop.optim.schedule.MultiStepLR}, {@link
 * dev.backprop.optim.schedule.ExponentialLR}, {@link dev.backprop.optim.schedule.LinearLR} (warm-up), {@link
 * dev.backprop.optim.schedule.CosineAnnealingLR}, {@link dev.backprop.optim.schedule.WarmupCosine} and {@link
 * dev.backprop.optim.schedule.ReduceLROnPlateau}. Each is stepped after {@code optimizer.step()}; see
 * {@link dev.backprop.optim.schedule.LRScheduler}.
 */
package dev.backprop.optim.schedule;
