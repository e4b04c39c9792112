// Lowers a FusedProgram to block steps for one layout: operands become slots (inputs, constants, results), a step
// whose operands are all scalars within a block is marked uniform (computed once per block), and temporaries get
// block buffers by a linear scan over their live ranges, a dying operand's buffer being reused by the result.
namespace DeepSeek.Backends.Cpu.Elementwise;

/// <summary>Program → <see cref="FusedStep"/>s with buffer assignment.</summary>
internal static class FusedCompiler
{
    /// <summary>Compiles <paramref name="p"/>; returns the steps, the number of temporary buffers and the per-element cost.</summary>
    public static FusedStep[] Compile(FusedProgram p, FusedLayout layout, out int registers, out long costPerElement)
    {
        int nIn = p.InputCount, nC = p.Constants.Count, n = p.Instructions.Count;
        int slots = nIn + nC + n;
        var resultSlot = new Dictionary<FusedOperand, int>();
        for (int i = 0; i < n; i++) resultSlot[p.Instructions[i].Dest] = nIn + nC + i;
        int SlotOf(FusedOperand o) => o.Kind switch
        {
            FusedOperandKind.Input => o.Index,
            FusedOperandKind.Constant => nIn + o.Index,
            _ => resultSlot[o],
        };

        var uniform = new bool[slots];
        for (int j = 0; j < nIn; j++) uniform[j] = layout.Sources[j] is FusedSource.Uniform or FusedSource.RowUniform;
        for (int c = 0; c < nC; c++) uniform[nIn + c] = true;
        var lastUse = new int[slots];
        Array.Fill(lastUse, -1);
        for (int i = 0; i < n; i++)
            foreach (var a in p.Instructions[i].Args) lastUse[SlotOf(a)] = i;

        var steps = new FusedStep[n];
        var register = new int[slots];
        Array.Fill(register, -1);
        var free = new Stack<int>();
        registers = 0;
        costPerElement = 0;
        for (int i = 0; i < n; i++)
        {
            var ins = p.Instructions[i];
            int data = ins.Op.Arity() - ins.Op.ConstantParams();
            ref var s = ref steps[i];
            s.Op = ins.Op;
            s.A = SlotOf(ins.Args[0]);
            s.B = data == 2 ? SlotOf(ins.Args[1]) : -1;
            if (ins.Op.ConstantParams() >= 1) s.P0 = p.Constants[ins.Args[data].Index];
            if (ins.Op.ConstantParams() >= 2) s.P1 = p.Constants[ins.Args[data + 1].Index];
            s.Result = nIn + nC + i;
            s.Output = ins.Dest.Kind == FusedOperandKind.Output ? ins.Dest.Index : -1;
            s.Uniform = uniform[s.A] && (s.B < 0 || uniform[s.B]);
            s.Cost = FusedBlock.CostOf(ins.Op, s.P0);
            uniform[s.Result] = s.Uniform;
            // operands dying here give their buffers back first: every block kernel may write over its input
            Release(s.A);
            if (s.B >= 0 && s.B != s.A) Release(s.B);
            s.Register = -1;
            if (!s.Uniform && s.Output < 0)
            {
                s.Register = free.Count > 0 ? free.Pop() : registers++;
                register[s.Result] = s.Register;
                if (lastUse[s.Result] < 0) Release(s.Result); // never read: the buffer is free again at once
            }
            if (!s.Uniform) costPerElement += s.Cost;

            void Release(int slot)
            {
                if (register[slot] >= 0 && lastUse[slot] <= i)
                {
                    free.Push(register[slot]);
                    register[slot] = -1;
                }
            }
        }
        costPerElement = Math.Max(1, costPerElement);
        return steps;
    }
}
