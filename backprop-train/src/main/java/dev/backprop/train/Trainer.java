package dev.backprop.train;

import dev.backprop.AnomalyException;
import dev.backprop.Anomaly;
import dev.backprop.Generator;
import dev.backprop.GradMode;
import dev.backprop.Tensor;
import dev.backprop.data.Batch;
import dev.backprop.data.DataLoader;
import dev.backprop.data.Dataset;
import dev.backprop.data.Transform;
import dev.backprop.nn.Module;
import dev.backprop.nn.Parameter;
import dev.backprop.optim.Clip;
import dev.backprop.optim.Optimizer;
import dev.backprop.optim.Penalty;
import dev.backprop.optim.schedule.LRScheduler;
import dev.backprop.optim.schedule.ReduceLROnPlateau;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The training loop: for each epoch, for each shuffled mini-batch — forward, loss (+ L1/L2 penalties), backward,
 * optional gradient clipping, optimizer step — then the schedule steps (after the optimizer, as in PyTorch), the
 * validation set is evaluated, and callbacks may stop the run.
 *
 * <p>With {@link Builder#augment(Transform)}, every training batch is augmented on the fly (a new random version of
 * each example every epoch, see {@link DataLoader#withTransform}); the validation set never is.
 *
 * <p>A loss or gradient norm that is NaN or infinite stops training at once with a {@link TrainingException}
 * naming the epoch and step: nothing non-finite reaches the weights silently.
 */
public final class Trainer {
    private final Module model;
    private final Objective objective;
    private final Optimizer optimizer;
    private final Dataset train;
    private final Dataset validation;
    private final String validationName;
    private final int epochs, batchSize;
    private final Generator generator;
    private final boolean dropLast;
    private final LRScheduler scheduler;
    private final double clipNorm, clipValue, l1, l2;
    private final List<Callback> callbacks;
    private final List<Parameter> params;
    private final Transform augment;
    private final long augmentSeed;

    private Trainer(Builder b) {
        this.model = b.model;
        this.objective = b.objective;
        this.optimizer = b.optimizer;
        this.train = b.train;
        this.validation = b.validation;
        this.validationName = b.validationName;
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.generator = b.generator;
        this.dropLast = b.dropLast;
        this.scheduler = b.scheduler;
        this.clipNorm = b.clipNorm;
        this.clipValue = b.clipValue;
        this.l1 = b.l1;
        this.l2 = b.l2;
        this.callbacks = List.copyOf(b.callbacks);
        this.params = model.parameters();
        this.augment = b.augment;
        this.augmentSeed = b.augmentSeed;
    }

    /** Starts a trainer for a model, what it learns, and how. */
    public static Builder builder(Module model, Objective objective, Optimizer optimizer) {
        return new Builder(model, objective, optimizer);
    }

    public Module model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public Objective objective() {
        return objective;
    }

    /** The number of epochs asked for. */
    public int epochs() {
        return epochs;
    }

    /** What the per-epoch evaluation is called: "val" or "test". */
    public String validationName() {
        return validationName;
    }

    /** Optimizer steps per epoch. */
    public int stepsPerEpoch() {
        int n = train.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** Training examples per epoch. */
    public int trainSize() {
        return dropLast ? stepsPerEpoch() * batchSize : train.size();
    }

    /** The augmentation applied to training batches, or null. */
    public Transform augmentation() {
        return augment;
    }

    /**
     * Runs the whole training and returns its history. Under {@link Anomaly#detect()}, the first op that makes a
     * NaN or an infinity stops it with a {@link TrainingException} naming the epoch, step, op and layer.
     */
    public History fit() {
        int[] at = new int[2];   // epoch, step (0 while evaluating): where an anomaly happened
        try {
            return fit(at);
        } catch (AnomalyException e) {
            throw anomaly(e, at[0], at[1]);
        }
    }

    private TrainingException anomaly(AnomalyException e, int epoch, int step) {
        String param = "";
        if (e.phase() == AnomalyException.Phase.STEP) {
            // "in the RMSprop step of parameter 1.weight: the update made it [128, 64] non-finite: ...": the
            // optimizer and the parameter by name, up front, instead of a frame of this loop.
            for (var p : model.namedParameters().entrySet()) {
                if (p.getValue() == e.value()) param = ", in the " + e.op() + " step of parameter " + p.getKey();
            }
        }
        String when = step > 0 ? "step " + step : "evaluation";
        return new TrainingException(String.format(Locale.ROOT, "anomaly at epoch %d, %s%s: %s", epoch, when, param, e.getMessage()), e);
    }

    private History fit(int[] at) {
        History history = new History();
        history.validationName(validationName);
        DataLoader loader = new DataLoader(train, batchSize, generator, dropLast);
        if (augment != null) loader = loader.withTransform(augment, augmentSeed);
        model.train();
        for (Callback c : callbacks) c.onTrainBegin(this);
        boolean stop = false;
        for (int epoch = 1; epoch <= epochs && !stop; epoch++) {
            at[0] = epoch;
            for (Callback c : callbacks) c.onEpochBegin(this, epoch);
            double lr = optimizer.lr();
            long start = System.nanoTime();
            double lossSum = 0, normSum = 0;
            long correct = 0;
            int seen = 0, step = 0;
            boolean classification = true;
            for (Batch b : loader) {
                step++;
                at[1] = step;
                for (Callback c : callbacks) c.onBatchBegin(this, epoch, step);
                Tensor out = model.call(b.x()); // call: forward hooks run (a monitor's)
                Tensor loss = objective.loss(out, b.y());
                double lossValue = loss.item();
                if (!Double.isFinite(lossValue)) {
                    throw new TrainingException(String.format(Locale.ROOT, "the loss became %s at epoch %d, step %d; "
                            + "try a lower learning rate (--lr), gradient clipping (--clip-norm 1) or check the data for "
                            + "NaN values", lossValue, epoch, step));
                }
                if (l1 > 0) loss = loss.add(Penalty.l1(weights()).mul(l1));
                if (l2 > 0) loss = loss.add(Penalty.l2(weights()).mul(l2));
                optimizer.zeroGrad();
                loss.backward();
                for (Callback c : callbacks) c.onAfterBackward(this, epoch, step);
                double norm = clipNorm > 0 ? Clip.gradNorm(params, clipNorm) : gradNorm();
                if (!Double.isFinite(norm)) {
                    throw new TrainingException(String.format(Locale.ROOT, "the gradient norm became %s at epoch %d, step %d "
                            + "(exploding gradients); try a lower learning rate (--lr) or --clip-norm 1", norm, epoch, step));
                }
                if (clipValue > 0) Clip.gradValue(params, clipValue);
                optimizer.step();
                normSum += norm;
                lossSum += lossValue * b.size();
                seen += b.size();
                try (var scope = GradMode.noGrad()) {
                    Tensor pred = objective.predict(out.detach());
                    if (pred == null) classification = false;
                    else correct += pred.eq(b.y()).countNonzero();
                }
                for (Callback c : callbacks) c.onBatchEnd(this, epoch, step, b.size(), lossValue);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double valLoss = Double.NaN, valAcc = Double.NaN;
            at[1] = 0;
            if (validation != null && validation.size() > 0) {
                Evaluation ev = Evaluation.of(model, objective, validation, Math.max(batchSize, 256));
                valLoss = ev.loss();
                valAcc = ev.accuracy();
            }
            EpochStats stats = new EpochStats(epoch, lossSum / Math.max(seen, 1), classification ? (double) correct / Math.max(seen, 1)
                    : Double.NaN, valLoss, valAcc, lr, seconds, seen / Math.max(seconds, 1e-9), normSum / Math.max(step, 1));
            history.add(stats);
            if (scheduler instanceof ReduceLROnPlateau plateau) plateau.step(Double.isNaN(valLoss) ? stats.trainLoss() : valLoss);
            else if (scheduler != null) scheduler.step();
            for (Callback c : callbacks) stop |= c.onEpochEnd(this, stats);
        }
        for (Callback c : callbacks) c.onTrainEnd(this, history);
        model.eval();
        return history;
    }

    /** The global 2-norm of all gradients, accumulated in double (what clipping would measure). */
    private double gradNorm() {
        double sum = 0;
        for (Parameter p : params) {
            Tensor g = p.grad();
            if (g != null) sum += dev.backprop.kernels.Kernels.sumOfSquares(g);
        }
        return Math.sqrt(sum);
    }

    /** The weight matrices (parameters with at least 2 dimensions): what L1/L2 penalties apply to, as in Keras. */
    private List<Tensor> weights() {
        List<Tensor> w = new ArrayList<>();
        for (Parameter p : params) if (p.dim() >= 2) w.add(p);
        return w;
    }

    /** Settings of a training run; {@link #build()} checks them. */
    public static final class Builder {
        private final Module model;
        private final Objective objective;
        private final Optimizer optimizer;
        private Dataset train, validation;
        private String validationName = "val";
        private int epochs = 10, batchSize = 32;
        private Generator generator = new Generator(0);
        private boolean dropLast;
        private LRScheduler scheduler;
        private double clipNorm, clipValue, l1, l2;
        private final List<Callback> callbacks = new ArrayList<>();
        private Transform augment;
        private long augmentSeed;
        private boolean augmentSeeded;

        private Builder(Module model, Objective objective, Optimizer optimizer) {
            this.model = model;
            this.objective = objective;
            this.optimizer = optimizer;
        }

        public Builder train(Dataset d) { this.train = d; return this; }
        /** Data evaluated after every epoch (for the curves, early stopping and plateau schedules), named "val". */
        public Builder validation(Dataset d) { return validation(d, "val"); }
        /**
         * Data evaluated after every epoch under a name for the display: "val" for a held-out part of the training
         * data, "test" when the curves follow the test set (then nothing may decide on it: no early stopping).
         */
        public Builder validation(Dataset d, String name) { this.validation = d; this.validationName = name; return this; }
        public Builder epochs(int n) { this.epochs = n; return this; }
        public Builder batchSize(int n) { this.batchSize = n; return this; }
        /** The generator that shuffles the batches (seeded: same seed, same order). */
        public Builder generator(Generator g) { this.generator = g; return this; }
        public Builder dropLast(boolean on) { this.dropLast = on; return this; }
        public Builder scheduler(LRScheduler s) { this.scheduler = s; return this; }
        /** Clips the global gradient norm to this value (0: off). */
        public Builder clipNorm(double v) { this.clipNorm = v; return this; }
        /** Clamps every gradient element into [−v, v] (0: off). */
        public Builder clipValue(double v) { this.clipValue = v; return this; }
        /** Adds λ·Σ|w| over the weight matrices to the loss. */
        public Builder l1(double lambda) { this.l1 = lambda; return this; }
        /** Adds λ·Σw² over the weight matrices to the loss. */
        public Builder l2(double lambda) { this.l2 = lambda; return this; }
        public Builder callback(Callback c) { this.callbacks.add(c); return this; }
        /**
         * Augments every training batch on the fly with {@code t} (never the validation data); the examples must be
         * images [C, H, W]. Its seed is drawn from the {@link #generator} when the trainer is built, so one seed
         * still fixes the whole run (the shuffling order then differs from a run without augmentation); null: off.
         */
        public Builder augment(Transform t) { this.augment = t; this.augmentSeeded = false; return this; }
        /** {@link #augment(Transform)} with an explicit seed: example i of epoch e uses DataLoader.exampleSeed(seed, e, i). */
        public Builder augment(Transform t, long seed) { this.augment = t; this.augmentSeed = seed; this.augmentSeeded = true; return this; }

        public Trainer build() {
            if (train == null || train.size() == 0) throw new IllegalArgumentException("trainer: no training data");
            if (epochs < 1) throw new IllegalArgumentException("trainer: epochs must be at least 1, got " + epochs);
            if (batchSize < 1) throw new IllegalArgumentException("trainer: batch size must be at least 1, got " + batchSize);
            for (double v : new double[] {clipNorm, clipValue, l1, l2}) {
                if (v < 0 || Double.isNaN(v)) throw new IllegalArgumentException("trainer: clipping and penalties must be ≥ 0, got " + v);
            }
            if (augment != null) {
                new DataLoader(train, batchSize, null, dropLast).withTransform(augment, 0);   // checks the examples' shape
                if (!augmentSeeded) augmentSeed = generator.nextLong();
            }
            return new Trainer(this);
        }
    }
}
