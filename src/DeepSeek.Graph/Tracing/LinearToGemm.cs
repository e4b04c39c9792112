// Rewrites what Linear records, MatMul(x, Transpose(W, perm=[1,0])) followed by Add(·, b), into the single ONNX
// Gemm(x, W, b, transB=1) that torch.onnx.export emits for nn.Linear (ONNX Gemm spec: Y = A·Bᵀ + C).
namespace DeepSeek.Graph;

internal static class LinearToGemm
{
    public static void Run(Graph g)
    {
        foreach (var mm in g.Nodes.Where(n => n.OpType == "MatMul").ToList())
        {
            if (mm.Inputs.Count != 2 || mm.Inputs[0]?.Type is not TensorType { Rank: 2 } || mm.Inputs[1] is not { Producer: { } tr } tOut) continue;
            if (tr.OpType != "Transpose" || tr.GetInts("perm") is not [1, 0] || tr.Inputs[0] is not { IsConstant: true } w || w.Constant!.Rank != 2) continue;
            if (g.Consumers(tOut).Count() != 1 || g.Outputs.Contains(tOut)) continue;
            var users = g.Consumers(mm.Outputs[0]).ToList();
            if (users.Count != 1 || g.Outputs.Contains(mm.Outputs[0])) continue;
            var add = users[0];
            if (add.OpType != "Add" || add.Inputs.Count != 2) continue;
            var bias = add.Inputs[0] == mm.Outputs[0] ? add.Inputs[1] : add.Inputs[0];
            if (bias is not { IsConstant: true } || bias.Constant!.Rank != 1 || bias.Constant.Size(0) != w.Constant.Size(0)
                || bias.Constant.DType != w.Constant.DType) continue;

            mm.OpType = "Gemm";
            mm.SetInput(1, w);
            mm.AddInput(bias);
            mm.Attributes["transB"] = AttributeValue.Of(1L);
            var result = add.Outputs[0];
            foreach (var n in g.Consumers(result).ToList())
                for (int i = 0; i < n.Inputs.Count; i++)
                    if (n.Inputs[i] == result) n.SetInput(i, mm.Outputs[0]);
            for (int i = 0; i < g.Outputs.Count; i++)
                if (g.Outputs[i] == result) g.Outputs[i] = mm.Outputs[0];
            g.Nodes.Remove(tr);
            g.Nodes.Remove(add);
            tOut.Type = null; // orphaned values: no value_info on export
            result.Type = null;
        }
    }
}
