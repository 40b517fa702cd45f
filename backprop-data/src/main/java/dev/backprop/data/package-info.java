/**
 * Data for backprop: data sets, loaders and readers.
 *
 * <ul>
 *   <li>{@link dev.backprop.data.Dataset}, {@link dev.backprop.data.TensorDataset} — examples in memory;
 *       {@link dev.backprop.data.DataLoader} — seeded, reproducible mini-batches ({@link dev.backprop.data.Batch});</li>
 *   <li>{@link dev.backprop.data.Transform}, {@link dev.backprop.data.Transforms} — data augmentation with
 *       torchvision's transforms (random crop, flip, translation, rotation, erasing; normalize; compose), applied on
 *       the fly and seeded per example by {@link dev.backprop.data.DataLoader#withTransform};</li>
 *   <li>{@link dev.backprop.data.Split} — deterministic train/validation splits (optionally stratified);
 *       {@link dev.backprop.data.Normalization} — standardisation fitted on the training set, saveable as a map;</li>
 *   <li>{@link dev.backprop.data.DataSets#load(String)} — {@code digits} (embedded), {@code fashion-mnist},
 *       {@code mnist}, {@code xor}, a directory of IDX files ({@link dev.backprop.data.Idx}) or a CSV file
 *       ({@link dev.backprop.data.Csv}), as a {@link dev.backprop.data.LabeledData}.</li>
 * </ul>
 *
 * <p>The embedded {@code digits} data set is the UCI "Optical Recognition of Handwritten Digits" data by
 * E. Alpaydin and C. Kaynak (1998), https://doi.org/10.24432/C50P49, licensed CC BY 4.0; its notice ships in the
 * jar beside it ({@code dev/backprop/data/NOTICE-digits.txt}).
 *
 * <p>Every user error (a missing data set, a malformed file) is a one-line
 * {@link dev.backprop.data.DataException} that names the file and the place and says what to do.
 */
package dev.backprop.data;
