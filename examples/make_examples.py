#!/usr/bin/env python3
"""Write examples/notes.jsonl and examples/gold.json from the hand-written notes below.

All notes are invented (no patient data). The gold per note:
- ``icd10`` / ``opcs4``: the codes (CDS form) a coder would assign from the ILLUSTRATIVE map, primary
  first (``opcs4`` first = primary procedure). Where the map offers alternatives the coder's choice from
  the note's context is given (e.g. cemented hemiarthroplasty W46.1 rather than the default W39.9).
- ``concepts``: mentions that must be found and kept (span, text, SCTID of a GPS concept);
- ``filtered``: mentions that must be found but filtered, with the reason
  (``negated`` | ``historical`` | ``hypothetical`` | ``uncertain`` ("?appendicitis": a possibility, not
  coded as confirmed) | ``family`` | ``explained`` (a symptom the note's diagnosis explains: suggest/explained_symptoms.py) |
  ``service name``: part of a ward, clinic,
  service or team name such as "heart failure nurse follow-up", which is not a diagnosis).
Spans are located from the quoted surface text (``text#n`` = the n-th occurrence, 1-based).

    python examples/make_examples.py
"""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (note_id, episode_id, text, icd10, opcs4, concepts[(surface, sctid)], filtered[(surface, sctid, reason)])
NOTES = [
    ("N001", "E1001", """DISCHARGE SUMMARY - Cardiology
Presenting complaint: 64-year-old man with 2 hours of central chest pain radiating to the jaw.
Diagnosis: Acute inferior STEMI.
Procedures: Primary PCI to the right coronary artery with coronary stent insertion (one drug-eluting stent).
Past medical history: Type 2 diabetes mellitus on metformin. Hypertension.
Echo: good LV function. No evidence of heart failure.
Family history: father had an MI aged 52.
Plan: dual antiplatelet therapy for 12 months, cardiac rehabilitation, review in clinic.""",
     ["I213", "E119", "I10X"], ["K751"],
     [("STEMI", "401303003"), ("PCI", "11101003"), ("coronary stent", "36969009"),
      ("Type 2 diabetes mellitus", "44054006"), ("Hypertension", "38341003")],
     [("heart failure", "84114007", "negated"), ("MI", "22298006", "family"), ("chest pain", "29857009", "explained")]),

    ("N002", "E1002", """DISCHARGE SUMMARY - Acute Medicine
Presenting complaint: Increasing breathlessness and ankle swelling over two weeks.
Diagnosis: Congestive cardiac failure secondary to ischaemic heart disease. Fast AF on admission, rate controlled with bisoprolol.
Past medical history: Chronic kidney disease stage 3. Previous myocardial infarction in 2015.
Investigations: CXR showed pulmonary oedema. Pneumonia was excluded.
Plan: furosemide, start apixaban for AF, heart failure nurse follow-up.""",
     ["I500", "I259", "I489", "N183", "I252"], [],
     [("Congestive cardiac failure", "42343007"), ("ischaemic heart disease", "414545008"),
      ("AF#1", "49436004"), ("Chronic kidney disease stage 3", "433144002"), ("pulmonary oedema", "19242006"),
      ("AF#2", "49436004")],
     [("myocardial infarction", "22298006", "historical"), ("Pneumonia", "233604007", "negated"),
      ("heart failure", "84114007", "service name"), ("Increasing breathlessness", "297216006", "explained")]),

    ("N003", "E1003", """Discharge summary - Respiratory
Presenting complaint: Productive cough, fever and worsening shortness of breath.
Diagnosis: Community acquired pneumonia, right lower lobe. CURB-65 score 2.
Background: COPD (FEV1 45%), ex-smoker 30 pack years.
Sepsis was considered on arrival but lactate normal and sepsis screen negative.
Plan: complete 5 days of amoxicillin, repeat chest X-ray in 6 weeks.""",
     ["J189", "J449", "Z864"], [],
     [("Productive cough", "28743005"), ("Community acquired pneumonia", "385093006"), ("COPD", "13645005"), ("ex-smoker", "8517006")],
     [("Sepsis", "91302008", "uncertain"), ("sepsis", "91302008", "negated"), ("fever", "386661006", "explained"), ("shortness of breath", "267036007", "explained")]),

    ("N004", "E1004", """DISCHARGE SUMMARY
Diagnosis: Infective exacerbation of COPD.
Presenting complaint: 3 days of increased sputum purulence and wheeze.
Past medical history: Chronic obstructive pulmonary disease, essential hypertension, osteoporosis.
No evidence of pneumonia on chest X-ray.
Social: current smoker, 20 per day; smoking cessation advice given.
Plan: prednisolone 30 mg for 5 days, doxycycline, pulmonary rehabilitation referral.""",
     ["J440", "I10X", "M819", "F171"], [],
     [("Infective exacerbation of COPD", "285381006"), ("Chronic obstructive pulmonary disease", "13645005"), ("essential hypertension", "59621000"),
      ("osteoporosis", "64859006"), ("smoker", "77176002")],
     [("pneumonia", "233604007", "negated"), ("wheeze", "56018004", "explained")]),

    ("N005", "E1005", """Diabetes clinic letter
Dear Dr Patel,
I reviewed Mrs A in the diabetes clinic today. She has type 2 diabetes diagnosed in 2010, now on insulin.
Retinal screening shows background diabetic retinopathy in both eyes; she has been referred to ophthalmology.
She also has chronic kidney disease and hypercholesterolaemia.
There is no diabetic foot ulcer. Her mother has type 2 diabetes.
Plan: increase atorvastatin, repeat HbA1c in 3 months.""",
     ["E113D", "H360A", "N189", "E780", "Z922"], [],
     [("type 2 diabetes#1", "44054006"), ("diabetic retinopathy", "4855003"), ("chronic kidney disease", "709044004"),
      ("hypercholesterolaemia", "13644009")],
     [("type 2 diabetes#2", "44054006", "family")]),

    ("N006", "E1006", """DISCHARGE SUMMARY - General Surgery
Presenting complaint: 24 hours of periumbilical pain migrating to the right iliac fossa, with nausea.
Diagnosis: Acute appendicitis.
Procedure: Laparoscopic appendicectomy (inflamed appendix, no perforation).
Past medical history: asthma.
Plan: oral antibiotics not required; return to work in 2 weeks. If symptoms of wound infection develop, see GP.""",
     ["K358", "J459"], ["H012", "Y752"],
     [("periumbilical pain", "443503005"), ("Acute appendicitis", "85189001"), ("Laparoscopic appendicectomy", "6025007"),
      ("asthma", "195967001")],
     [("nausea", "422587007", "explained")]),

    ("N007", "E1007", """Surgical admission - discharge letter
Presenting complaint: right iliac fossa pain, ?appendicitis.
Findings: CT showed a normal appendix; appendicitis was excluded. Symptoms settled with analgesia.
Diagnosis: Non-specific abdominal pain.
Past history: previous laparoscopic cholecystectomy for gallstones in 2018.
Plan: discharged, GP follow-up if pain recurs.""",
     ["R104"], [],
     [("abdominal pain", "21522001")],
     [("appendicitis#1", "74400008", "uncertain"), ("appendicitis#2", "74400008", "negated"),
      ("laparoscopic cholecystectomy", "45595009", "historical"), ("gallstones", "235919008", "historical")]),

    ("N008", "E1008", """DISCHARGE SUMMARY - Upper GI Surgery
Presenting complaint: recurrent biliary colic.
Diagnosis: Symptomatic gallstones with chronic cholecystitis.
Procedure: Elective laparoscopic cholecystectomy. Cholangiogram normal.
Past medical history: GORD, obesity (BMI 36).
There was no jaundice and no pancreatitis.
Plan: routine follow-up not required.""",
     ["K801", "K219", "E669"], ["J183", "Y752"],
     [("biliary colic", "37389005"), ("gallstones", "235919008"), ("chronic cholecystitis", "20824003"),
      ("laparoscopic cholecystectomy", "45595009"), ("GORD", "235595009"), ("obesity", "414916001")],
     [("jaundice", "18165001", "negated"), ("pancreatitis", "75694006", "negated")]),

    ("N009", "E1009", """DISCHARGE SUMMARY - Trauma and Orthopaedics
Presenting complaint: 86-year-old woman, mechanical fall at home, unable to weight bear.
Diagnosis: Fractured neck of femur (left, displaced intracapsular).
Procedure: Cemented hemiarthroplasty of the left hip under spinal anaesthetic.
Past medical history: Dementia, atrial fibrillation, hypothyroidism.
Post-operative delirium, resolved.
Plan: orthogeriatric review, bone health assessment, physiotherapy.""",
     ["S720", "W190", "F03X", "I489", "E039", "F059"], ["W461"],
     [("mechanical fall", "1912002"), ("Fractured neck of femur", "5913000"), ("Dementia", "52448006"),
      ("atrial fibrillation", "49436004"), ("hypothyroidism", "40930008"), ("delirium", "2776000")],
     []),

    ("N010", "E1010", """Stroke Unit discharge summary
Presenting complaint: sudden onset right arm weakness and expressive dysphasia.
Diagnosis: Left middle cerebral artery ischaemic stroke. Thrombolysed.
Risk factors: atrial fibrillation (new), hypertension, hyperlipidaemia.
CT head: no haemorrhage.
Past medical history: TIA in 2019.
Plan: anticoagulation from day 14, stroke clinic in 6 weeks.""",
     ["I639", "I489", "I10X", "E785", "Z867"], [],
     [("ischaemic stroke", "422504002"), ("atrial fibrillation", "49436004"), ("hypertension", "38341003"),
      ("hyperlipidaemia", "55822004")],
     [("TIA", "266257000", "historical")]),

    ("N011", "E1011", """DISCHARGE SUMMARY - Acute Medicine
Presenting complaint: fever, rigors and confusion.
Diagnosis: Sepsis secondary to urinary tract infection (E. coli in blood cultures). Acute kidney injury stage 2.
Past medical history: type 2 diabetes, benign prostatic hyperplasia.
Plan: complete 7 days of co-amoxiclav. Renal function to be rechecked by GP.""",
     ["A415", "N390", "N179", "E119", "N40X"], [],
     [("Sepsis", "91302008"), ("urinary tract infection", "68566005"), ("Acute kidney injury", "14669001"),
      ("type 2 diabetes", "44054006"), ("benign prostatic hyperplasia", "266569009")],
     [("fever", "386661006", "explained")]),

    ("N012", "E1012", """Discharge summary
Presenting complaint: dysuria and frequency, 3 days.
Diagnosis: Lower urinary tract infection.
Background: Recurrent UTIs, type 1 diabetes mellitus.
No features of pyelonephritis and no sepsis.
Plan: nitrofurantoin 3 days; urology referral if further UTI occurs.""",
     ["N390", "E109"], [],
     [("dysuria", "49650001"), ("Lower urinary tract infection", "4009004"), ("type 1 diabetes mellitus", "46635009")],
     [("pyelonephritis", "45816000", "negated"), ("sepsis", "91302008", "negated"),
      ("UTI#2", "68566005", "hypothetical")]),

    ("N013", "E1013", """Paediatric discharge summary
Presenting complaint: 9-year-old with increasing wheeze and breathlessness.
Diagnosis: Acute exacerbation of asthma (moderate).
Family history: mother has asthma; father has eczema.
Plan: salbutamol weaning regime, asthma action plan given, review by practice nurse in 1 week.""",
     ["J459"], [],
     [("Acute exacerbation of asthma", "708038006")],
     [("asthma#2", "195967001", "family"), ("wheeze", "56018004", "explained"), ("breathlessness", "267036007", "explained")]),

    ("N014", "E1014", """DISCHARGE SUMMARY - Ambulatory Care
Presenting complaint: painful swollen left calf after a long-haul flight.
Diagnosis: Left proximal deep vein thrombosis confirmed on ultrasound.
Pulmonary embolism was excluded with CTPA.
Past medical history: previous DVT in 2012 (provoked).
Plan: apixaban for 3 months; if symptoms of DVT return after stopping, attend the DVT clinic.""",
     ["I802"], [],
     [("deep vein thrombosis", "128053003")],
     [("Pulmonary embolism", "59282003", "negated"), ("DVT#1", "128053003", "historical"),
      ("DVT#2", "128053003", "hypothetical")]),

    ("N015", "E1015", """DISCHARGE SUMMARY - Respiratory
Presenting complaint: pleuritic chest pain and breathlessness 5 days after knee surgery.
Diagnosis: Bilateral pulmonary emboli. No right heart strain.
Past medical history: total knee replacement (right) 2 weeks ago, osteoarthritis of the knee.
Plan: rivaroxaban for 3 months, haematology follow-up not required.""",
     ["I269", "M179", "Z966"], [],
     [("pulmonary emboli", "59282003"),
      ("osteoarthritis of the knee", "239873007")],
     [("total knee replacement", "609588000", "historical"), ("chest pain", "29857009", "explained"), ("breathlessness", "267036007", "explained")]),

    ("N016", "E1016", """Discharge summary - Acute Medicine
Presenting complaint: red, hot, swollen right lower leg for 4 days.
Diagnosis: Right lower leg cellulitis.
Background: type 2 diabetes, peripheral vascular disease, obesity.
Necrotising fasciitis was excluded. No abscess requiring drainage.
Plan: oral flucloxacillin to complete 7 days; mark the margin and return if spreading.""",
     ["L031", "E119", "I739", "E669"], [],
     [("lower leg cellulitis", "449711005"), ("type 2 diabetes", "44054006"),
      ("peripheral vascular disease", "400047006"), ("obesity", "414916001")],
     [("Necrotising fasciitis", "52486002", "negated"), ("abscess", "128477000", "negated")]),

    ("N017", "E1017", """Day Surgery discharge letter
Diagnosis: Right inguinal hernia.
Procedure: Open inguinal hernia repair with mesh under general anaesthetic.
Past medical history: hypertension, GORD.
Previous left inguinal hernia repair in 2016.
Plan: no heavy lifting for 4 weeks.""",
     ["K409", "I10X", "K219"], ["T202", "Z942"],
     [("Right inguinal hernia", "236021006"), ("inguinal hernia repair#1", "44558001"), ("hypertension", "38341003"),
      ("GORD", "235595009")],
     [("inguinal hernia repair#2", "44558001", "historical")]),

    ("N018", "E1018", """Ophthalmology day case letter
Dear Dr Jones,
Mr B attended for right phacoemulsification and intraocular lens implant for age-related cataract.
The procedure was uncomplicated. He has type 2 diabetes without retinopathy.
There was no cystoid macular oedema at the 2-week check.
Plan: chloramphenicol and dexamethasone drops for 4 weeks; left eye cataract extraction to be listed.""",
     ["H259", "E119"], ["C712", "C751", "Z942"],
     [("phacoemulsification and intraocular lens implant", "385468004"), ("age-related cataract", "39450006"),
      ("type 2 diabetes", "44054006")],
     [("cystoid macular oedema", "193387007", "negated"), ("cataract extraction", "54885007", "hypothetical")]),

    ("N019", "E1019", """DISCHARGE SUMMARY - Elective Orthopaedics
Diagnosis: Primary osteoarthritis of the knee (left).
Procedure: Left total knee replacement (cemented).
Past medical history: hypertension, hypothyroidism, previous right total hip replacement in 2017.
Post-operative course uncomplicated. No DVT.
Plan: enoxaparin for 14 days, physiotherapy, clinic at 6 weeks.""",
     ["M171", "I10X", "E039", "Z966"], ["W401", "Z943"],
     [("osteoarthritis of the knee", "239873007"), ("total knee replacement", "609588000"),
      ("hypertension", "38341003"), ("hypothyroidism", "40930008")],
     [("total hip replacement", "52734007", "historical"), ("DVT", "128053003", "negated")]),

    ("N020", "E1020", """Endoscopy report and discharge
Indication: change in bowel habit and iron deficiency anaemia.
Procedure: Colonoscopy to caecum. Findings: diverticular disease of colon, mainly sigmoid. No polyps. No evidence of colorectal cancer.
Family history: brother had colon cancer aged 60.
Plan: oral iron, OGD to be arranged to complete investigation of anaemia.""",
     ["D509", "K573"], ["H229"],
     [("iron deficiency anaemia", "87522002"), ("Colonoscopy", "73761001"), ("diverticular disease of colon", "398050005")],
     [("OGD", "76009000", "hypothetical")]),

    ("N021", "E1021", """DISCHARGE SUMMARY - Gastroenterology
Presenting complaint: haematemesis and melaena.
Diagnosis: Upper gastrointestinal haemorrhage from a duodenal ulcer.
Procedure: OGD with endoscopic haemostasis; transfusion of packed red blood cells (2 units).
Past medical history: alcoholic cirrhosis, hypertension.
Plan: omeprazole, H. pylori eradication, repeat OGD in 8 weeks.""",
     ["K922", "K703", "I10X"], ["G459", "X332"],
     [("haematemesis", "8765009"), ("melaena", "2901004"), ("Upper gastrointestinal haemorrhage", "37372002"),
      ("OGD#1", "76009000"), ("transfusion of packed red blood cells", "71493000"), ("alcoholic cirrhosis", "420054005"),
      ("hypertension", "38341003")],
     [("OGD#2", "76009000", "hypothetical")]),

    ("N022", "E1022", """Care of the Elderly discharge summary
Presenting complaint: found on floor at home, confused.
Diagnosis: Delirium secondary to urinary tract infection. Hyponatraemia (Na 124). Dehydration.
Background: Parkinson's disease, depression.
No head injury; CT head not required.
Plan: fluid restriction lifted, sodium recheck in 1 week, falls clinic referral.""",
     ["F059", "N390", "E871", "E86X", "G20X", "F329"], [],
     [("Delirium", "2776000"), ("urinary tract infection", "68566005"), ("Hyponatraemia", "89627008"),
      ("Dehydration", "34095006"), ("Parkinson's disease", "49049000"), ("depression", "35489007")],
     []),

    ("N023", "E1023", """DISCHARGE SUMMARY - Renal
Presenting complaint: vomiting and reduced urine output.
Diagnosis: Acute kidney injury on chronic kidney disease stage 4. Hyperkalaemia (K 6.8) treated.
Cause: dehydration with ACE inhibitor.
Past medical history: type 2 diabetes mellitus, hypertension, heart failure.
Plan: ramipril withheld, renal clinic in 2 weeks; if kidney function deteriorates further, discuss dialysis.""",
     ["N179", "N184", "E875", "E86X", "E119", "I10X", "I509"], [],
     [("Acute kidney injury", "14669001"), ("chronic kidney disease stage 4", "431857002"),
      ("Hyperkalaemia", "14140009"), ("dehydration", "34095006"), ("type 2 diabetes mellitus", "44054006"),
      ("hypertension", "38341003"), ("heart failure", "84114007")],
     []),

    ("N024", "E1024", """Discharge summary - Cardiology
Presenting complaint: palpitations and light-headedness.
Diagnosis: Atrial flutter with 2:1 block, cardioverted.
Echocardiogram: mild aortic stenosis.
No evidence of ischaemic heart disease on angiogram.
Family history: sister has atrial fibrillation.
Plan: anticoagulation, electrophysiology referral for ablation.""",
     ["I489", "I350"], ["U201"],
     [("Atrial flutter", "5370000"), ("Echocardiogram", "40701008"),
      ("aortic stenosis", "60573004")],
     [("ischaemic heart disease", "414545008", "negated"), ("atrial fibrillation", "49436004", "family"), ("palpitations", "80313002", "explained")]),

    ("N025", "E1025", """DISCHARGE SUMMARY - Respiratory
Presenting complaint: collapse and breathlessness.
Diagnosis: Pleural effusion (right), aspirated: transudate. Cause heart failure.
Past medical history: atrial fibrillation, type 2 diabetes, chronic kidney disease.
Malignancy was considered but cytology negative.
Plan: diuretics, repeat chest X-ray in 4 weeks.""",
     ["J90X", "I509", "I489", "E119", "N189"], [],
     [("collapse", "271787007"), ("Pleural effusion", "60046008"), ("heart failure", "84114007"),
      ("atrial fibrillation", "49436004"), ("type 2 diabetes", "44054006"), ("chronic kidney disease", "709044004")],
     [("breathlessness", "267036007", "explained")]),

    ("N026", "E1026", """DISCHARGE SUMMARY - General Surgery
Presenting complaint: left iliac fossa pain and fever.
Diagnosis: Diverticulitis of sigmoid colon, no abscess on CT.
Past medical history: hypertension, previous colonoscopy 2020 showed diverticular disease.
There was no perforation.
Plan: oral antibiotics, colonoscopy in 6 weeks if not done in the last year.""",
     ["K573", "I10X"], [],
     [("Diverticulitis of sigmoid colon", "427910000"), ("hypertension", "38341003")],
     [("diverticular disease", "397881000", "historical"), ("colonoscopy#1", "73761001", "historical"), ("colonoscopy#2", "73761001", "hypothetical"), ("fever", "386661006", "explained")]),

    ("N027", "E1027", """Medical discharge summary
Presenting complaint: generalised tonic-clonic seizure at work.
Diagnosis: Epilepsy, breakthrough seizure due to missed doses.
Background: alcohol dependence (drinks 40 units/week).
No evidence of stroke on CT.
Plan: levetiracetam dose increased, DVLA advice given, alcohol liaison referral.""",
     ["G409", "F102"], [],
     [("seizure#2", "91175000"), ("Epilepsy", "84757009"), ("alcohol dependence", "66590003")],
     [("stroke", "230690007", "negated")]),

    ("N028", "E1028", """DISCHARGE SUMMARY - Acute Medicine
Presenting complaint: confusion, polyuria and vomiting.
Diagnosis: Diabetic ketoacidosis in type 1 diabetes, precipitated by gastroenteritis.
Hypokalaemia during treatment, corrected.
Plan: DKA education, diabetes specialist nurse review, sick-day rules.""",
     ["E101", "A099", "E876"], [],
     [("polyuria", "28442001"), ("Diabetic ketoacidosis", "420422005"),
      ("type 1 diabetes", "46635009"), ("gastroenteritis", "25374005"), ("Hypokalaemia", "43339004"),
      ("DKA", "420422005")],
     [("vomiting", "422400008", "explained")]),

    ("N029", "E1029", """Day surgery letter - Urology
Dear Dr Smith,
Mr C underwent TURP today for benign prostatic hyperplasia with retention.
He also had a flexible cystoscopy which was normal.
Past medical history: COPD, atrial fibrillation on warfarin (bridged).
Plan: catheter removal in 2 days; if he fails the trial without catheter he will be re-catheterised.""",
     ["N40X", "J449", "I489", "Z921"], ["M653", "M459"],
     [("TURP", "90199006"), ("benign prostatic hyperplasia", "266569009"), ("cystoscopy", "386745004"),
      ("COPD", "13645005"), ("atrial fibrillation", "49436004")],
     []),

    ("N030", "E1030", """DISCHARGE SUMMARY - Cardiology
Presenting complaint: recurrent syncope.
Diagnosis: Complete heart block.
Procedure: Insertion of permanent pacemaker (dual chamber).
Past medical history: NSTEMI in 2021, type 2 diabetes, hypertension.
No evidence of TIA or stroke.
Plan: pacing clinic at 6 weeks, wound check at GP.""",
     ["I442", "E119", "I10X", "I252"], ["K609"],
     [("Complete heart block", "27885002"),
      ("Insertion of permanent pacemaker", "233182007"), ("type 2 diabetes", "44054006"), ("hypertension", "38341003")],
     [("NSTEMI", "401314000", "historical"), ("TIA", "266257000", "negated"), ("stroke", "230690007", "negated"), ("syncope", "271594007", "explained")]),

    ("N031", "E1031", """Surgical discharge summary
Presenting complaint: painful lump at the umbilicus.
Diagnosis: Umbilical hernia.
Procedure: Repair of umbilical hernia (open, sutured).
Past medical history: obstructive sleep apnoea on CPAP, type 2 diabetes.
No evidence of strangulation.
Plan: no lifting for 4 weeks.""",
     ["K429", "G473", "E119"], ["T249"],
     [("Umbilical hernia", "396347007"), ("Repair of umbilical hernia", "44946007"),
      ("obstructive sleep apnoea", "78275009"), ("type 2 diabetes", "44054006")],
     []),

    ("N032", "E1032", """Clinic letter - Rheumatology
Dear Dr Ahmed,
I saw Mrs D, who has seropositive rheumatoid arthritis, doing well on methotrexate.
She also has osteoporosis and hypothyroidism. She is a non-smoker.
There is no evidence of interstitial lung disease.
Her sister has rheumatoid arthritis.
Plan: continue methotrexate, DEXA scan in 2 years.""",
     ["M059", "M819", "E039"], [],
     [("seropositive rheumatoid arthritis", "239791005"), ("osteoporosis", "64859006"),
      ("hypothyroidism", "40930008"), ("non-smoker", "8392000")],
     [("interstitial lung disease", "233703007", "negated"), ("rheumatoid arthritis#2", "69896004", "family")]),

    ("N033", "E1033", """DISCHARGE SUMMARY - Medicine
Presenting complaint: fall with a long lie, reduced mobility.
Diagnosis: Lower respiratory tract infection. Acute confusion, resolved.
Past medical history: dementia, chronic kidney disease, hypertension, previous stroke with no residual weakness.
Plan: community rehabilitation, family informed.""",
     ["J22X", "F03X", "N189", "I10X", "Z867"], [],
     [("Lower respiratory tract infection", "50417007"), ("Acute confusion", "130987000"), ("dementia", "52448006"),
      ("chronic kidney disease", "709044004"), ("hypertension", "38341003")],
     [("stroke", "230690007", "historical")]),
]


def locate(text: str, surface: str) -> tuple[int, int, str]:
    name, _, nth = surface.partition("#")
    n = int(nth or 1)
    start = -1
    for _ in range(n):
        start = text.find(name, start + 1)
        if start < 0:
            raise SystemExit(f"{surface!r} not found {n} time(s) in the note")
    return start, start + len(name), name


def main() -> None:
    gold = {"_comment": ("Gold for examples/notes.jsonl, written with make_examples.py. Codes are CDS form from "
                         "the ILLUSTRATIVE map (not the NHS map, not for clinical use); icd10[0] is the primary "
                         "diagnosis, opcs4[0] the primary procedure. reasons: negated | historical | "
                         "hypothetical | uncertain | family | explained | service name."),
            "notes": {}}
    with open(HERE / "notes.jsonl", "w", encoding="utf-8") as fh:
        for note_id, episode_id, text, icd, opcs, concepts, filtered in NOTES:
            fh.write(json.dumps({"note_id": note_id, "episode_id": episode_id, "text": text}) + "\n")
            entry = {"icd10": icd, "opcs4": opcs, "concepts": [], "filtered": []}
            for surface, sctid in concepts:
                start, end, name = locate(text, surface)
                entry["concepts"].append({"start": start, "end": end, "text": name, "sctid": sctid})
            for surface, sctid, reason in filtered:
                start, end, name = locate(text, surface)
                entry["filtered"].append({"start": start, "end": end, "text": name, "sctid": sctid,
                                          "reason": reason})
            gold["notes"][note_id] = entry
    (HERE / "gold.json").write_text(json.dumps(gold, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(NOTES)} notes")


if __name__ == "__main__":
    main()
