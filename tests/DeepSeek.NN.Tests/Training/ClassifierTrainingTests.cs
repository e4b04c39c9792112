using DeepSeek.NN.Data;
using DeepSeek.NN.Optim;
using DeepSeek.NN.Training;

namespace DeepSeek.NN.Tests.Training;

public sealed class ClassifierTrainingTests
{
    [Fact]
    public void CountCorrectComparesArgMaxWithLabels()
    {
        using var logits = Tensor.FromArray(new float[] { 0.1f, 2, 0, 3, 1, 1, -1, -2, 0.5f }, 3, 3);
        using var labels = Tensor.FromArray(new long[] { 1, 0, 0 });
        Assert.Equal(2, ClassifierTraining.CountCorrect(logits, labels));
    }

    [Fact]
    public void TrainingASeparableProblemReachesFullAccuracyAndEvaluateRestoresMode()
    {
        // two Gaussian blobs in 2-d: class = sign of x0 + x1
        var g = new Generator(11);
        using var x = Tensor.RandN(new Shape(128, 2), g);
        using var y = x.Sum(1).Gt(0).To(DType.I64);
        using var ds = new TensorDataset(x, y);
        var loader = DataLoader.Create(ds, 16, new DataLoaderOptions { Shuffle = true, Seed = 1 });
        using var model = new Sequential(new Linear(2, 8, generator: g), new Tanh(), new Linear(8, 2, generator: g));
        using var opt = new SGD(model.Parameters(), lr: 0.5, momentum: 0.9);
        EpochMetrics first = default, last = default;
        for (int e = 1; e <= 15; e++)
        {
            var m = ClassifierTraining.TrainEpoch(model, loader, opt, epoch: e, epochs: 15);
            if (e == 1) first = m;
            last = m;
        }
        Assert.True(last.Loss < first.Loss / 3, $"loss {first.Loss} → {last.Loss}");
        var eval = ClassifierTraining.Evaluate(model, DataLoader.Create(ds, 64));
        Assert.True(eval.Accuracy >= 0.97, $"accuracy {eval.Accuracy}");
        Assert.Equal(128, eval.Examples);
        Assert.True(model.Training);
    }
}

public sealed class TrainingAcceptanceTests
{
    [Fact]
    public void OneSgdStepOfAnMlpMatchesTheHandDerivedUpdate()
    {
        // y = W2·tanh(W1·x + b1) + b2, loss = mean((y − t)²); one SGD step with lr 0.1, derived by hand in double
        var g = new Generator(21);
        using var mlp = new Sequential(new Linear(3, 4, generator: g, dtype: DType.F64), new Tanh(), new Linear(4, 2, generator: g, dtype: DType.F64));
        using var x = Tensor.RandN(new Shape(5, 3), g, dtype: DType.F64);
        using var t = Tensor.RandN(new Shape(5, 2), g, dtype: DType.F64);
        var l1 = (Linear)mlp[0];
        var l2 = (Linear)mlp[2];
        double[,] W1 = To2(l1.Weight.Data), W2 = To2(l2.Weight.Data), X = To2(x), T = To2(t);
        double[] b1 = l1.Bias!.Data.ToArray<double>(), b2 = l2.Bias!.Data.ToArray<double>();

        int n = 5;
        var h = new double[n, 4];
        var y = new double[n, 2];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                double z = b1[j];
                for (int k = 0; k < 3; k++) z += W1[j, k] * X[i, k];
                h[i, j] = Math.Tanh(z);
            }
            for (int j = 0; j < 2; j++)
            {
                double z = b2[j];
                for (int k = 0; k < 4; k++) z += W2[j, k] * h[i, k];
                y[i, j] = z;
            }
        }
        // dL/dy = 2(y − t)/(n·2)
        var dy = new double[n, 2];
        for (int i = 0; i < n; i++) for (int j = 0; j < 2; j++) dy[i, j] = 2 * (y[i, j] - T[i, j]) / (n * 2);
        var dW2 = new double[2, 4]; var db2 = new double[2]; var dh = new double[n, 4];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < 2; j++)
            {
                db2[j] += dy[i, j];
                for (int k = 0; k < 4; k++) { dW2[j, k] += dy[i, j] * h[i, k]; dh[i, k] += dy[i, j] * W2[j, k]; }
            }
        var dW1 = new double[4, 3]; var db1 = new double[4];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < 4; j++)
            {
                double dz = dh[i, j] * (1 - h[i, j] * h[i, j]);
                db1[j] += dz;
                for (int k = 0; k < 3; k++) dW1[j, k] += dz * X[i, k];
            }

        using var opt = new DeepSeek.NN.Optim.SGD(mlp.Parameters(), lr: 0.1);
        using (Tensor.NewScope())
        {
            var loss = F.MSELoss(mlp.Forward(x), t);
            loss.Backward();
        }
        opt.Step();
        AssertUpdated(W1, dW1, l1.Weight.Data);
        AssertUpdated(W2, dW2, l2.Weight.Data);
        AssertUpdated1(b1, db1, l1.Bias.Data);
        AssertUpdated1(b2, db2, l2.Bias.Data);
    }

    private static double[,] To2(Tensor t)
    {
        var v = t.ToDoubleArray();
        int r = t.Shape[0], c = t.Shape[1];
        var a = new double[r, c];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) a[i, j] = v[i * c + j];
        return a;
    }

    private static void AssertUpdated(double[,] before, double[,] grad, Tensor after)
    {
        var v = after.ToDoubleArray();
        int c = before.GetLength(1);
        for (int i = 0; i < before.GetLength(0); i++)
            for (int j = 0; j < c; j++)
                Assert.Equal(before[i, j] - 0.1 * grad[i, j], v[i * c + j], 12);
    }

    private static void AssertUpdated1(double[] before, double[] grad, Tensor after)
    {
        var v = after.ToDoubleArray();
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i] - 0.1 * grad[i], v[i], 12);
    }

    [Fact]
    public void SaveLoadEvalReproducesLogitsBitExactly()
    {
        var g = new Generator(31);
        using var model = new Sequential(new Conv2d(1, 4, 3, padding: 1, generator: g), new BatchNorm2d(4), new ReLU(), new Flatten(), new Linear(4 * 8 * 8, 10, generator: g));
        using var x = Tensor.RandN(new Shape(6, 1, 8, 8), g);
        // a training step so running statistics and weights move away from their initial values
        using (var opt = new DeepSeek.NN.Optim.AdamW(model.Parameters(), lr: 0.01))
        using (Tensor.NewScope())
        {
            model.Forward(x).Square().Mean().Backward();
            opt.Step();
        }
        model.Eval();
        using var before = model.Forward(x);
        var path = Path.Combine(Path.GetTempPath(), $"deepseek-bitexact-{Guid.NewGuid():N}.safetensors");
        try
        {
            var sd = model.StateDict();
            DeepSeek.NN.Serialization.SafeTensors.Save(path, sd);
            foreach (var v in sd.Values) v.Dispose();
            using var fresh = new Sequential(new Conv2d(1, 4, 3, padding: 1, generator: new Generator(99)), new BatchNorm2d(4), new ReLU(), new Flatten(), new Linear(4 * 8 * 8, 10, generator: new Generator(98)));
            var loaded = DeepSeek.NN.Serialization.SafeTensors.Load(path);
            fresh.LoadStateDict(loaded);
            foreach (var v in loaded.Values) v.Dispose();
            fresh.Eval();
            using var after = fresh.Forward(x);
            Assert.Equal(before.ToArray<float>(), after.ToArray<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void NanLossNamesTheParameterHoldingNaN()
    {
        var g = new Generator(41);
        using var x = Tensor.RandN(new Shape(8, 2), g);
        using var y = Tensor.Zeros(new Shape(8), DType.I64);
        using var ds = new TensorDataset(x, y);
        using var model = new Sequential(new Linear(2, 3, generator: g), new ReLU(), new Linear(3, 2, generator: g));
        using (Tensor.NoGrad()) ((Linear)model[2]).Weight.Data.MulInPlace(double.NaN);
        using var opt = new DeepSeek.NN.Optim.SGD(model.Parameters(), lr: 0.1);
        var ex = Assert.Throws<NonFiniteLossException>(() => ClassifierTraining.TrainEpoch(model, DataLoader.Create(ds, 4), opt));
        Assert.Contains("2.weight", ex.Message);
        Assert.Contains("batch 1", ex.Message);
    }

    [Fact]
    public void WrongInputShapeForALayerNamesTheLayer()
    {
        using var conv = new Conv2d(3, 8, 3);
        using var x = Tensor.Zeros(1, 4, 8, 8);
        var ex = Assert.ThrowsAny<DeepSeekException>(() => conv.Forward(x));
        Assert.Contains("Conv2d", ex.Message);
        Assert.Contains("[1, 4, 8, 8]", ex.Message);
        using var lin = new Linear(5, 2);
        var ex2 = Assert.Throws<ShapeMismatchException>(() => lin.Forward(Tensor.Zeros(3, 4)));
        Assert.Contains("Linear", ex2.Message);
    }
}
